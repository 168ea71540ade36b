# u16, u32 and u256 arguments and values through a script (tests/e2e/integers.rs).
module 0x3::pool {
    struct Pool has key { fee_bps: u16, swaps: u32, k: u256 }
    public entry fun create(s: &signer, fee_bps: u16, swaps: u32, x: u128, y: u128) {
        move_to(s, Pool { fee_bps, swaps, k: (x as u256) * (y as u256) });
    }
    public entry fun set_k(s: &signer, k: u256) { borrow_global_mut<Pool>(signer::address_of(s)).k = k; }
    public entry fun bump(s: &signer, by: u32) {
        let p = borrow_global_mut<Pool>(signer::address_of(s));
        p.swaps = p.swaps + by;
    }
}
account alice @0xa11ce
call alice pool::create 30u16 7 340282366920938463463374607431768211455u128 340282366920938463463374607431768211455
expect success
show alice
call alice pool::set_k 115792089237316195423570985008687907853269984665640564039457584007913129639935u256
expect success
call alice pool::bump 4294967288
expect success
show alice
call alice pool::bump 1
