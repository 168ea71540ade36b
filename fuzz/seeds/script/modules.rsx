module 0x3::greeting {
    struct Greeting has key { text: vector<u8> }
    public entry fun set(account: &signer, text: vector<u8>) {
        move_to(account, Greeting { text })
    }
}
module 0x4::vectors {
    struct Bag has key { items: vector<vector<u64>> }
    public entry fun fill(account: &signer, items: vector<vector<u64>>, flag: bool, small: u8, big: u128) {
        if (flag) { move_to(account, Bag { items }) } else { abort (small as u64) }
    }
}
account alice
call alice greeting::set b"hello"
call alice greeting::set x"00ff"
expect failure
call alice vectors::fill [[1, 2], [], [3]] true 7u8 9u128
call alice vectors::fill [] false 3u8 0u128
expect abort 3
show alice
publish counter.rsn
call alice counter::create
call alice counter::bump alice
