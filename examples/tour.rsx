# A tour of the command language: every command at least once.
# Run it with `resin run examples/tour.rsx`, or paste it into `resin repl`.

publish stdlib coin          # the standard coin, 0x1::coin
publish counter.rsn          # a source file next to this script

# A module written inline, compiled and published on the spot.
module 0x3::greeting {
    struct Greeting has key { text: vector<u8> }

    public entry fun set(account: &signer, text: vector<u8>) {
        move_to(account, Greeting { text });
    }
}
modules

account alice
account bob @0xB0B
accounts

call alice coin::register
call bob coin::register
call alice coin::mint 1000
events

# Failures are receipts: an abort with its code and location, out of gas.
call alice coin::transfer bob 5000
expect abort 1
call alice coin::transfer bob 1 gas 10
expect out-of-gas

call alice counter::create
block {
    call alice counter::bump alice
    call bob counter::bump alice
    call alice coin::transfer bob 100
    call bob coin::transfer alice 1
}
expect success
events
show alice
show bob
access coin::transfer
access counter::bump

call alice greeting::set b"hello"
call alice greeting::set x"00ff"
expect failure
show alice

snapshot before
call bob coin::transfer alice 99
expect field alice coin::Balance.coin.value == 1000
restore before
expect field alice coin::Balance.coin.value == 901
undo
expect field alice coin::Balance.coin.value == 1000
undo
expect field alice coin::Balance.coin.value == 901
expect field alice 0x2::counter::Counter.value == 2
expect missing bob counter::Counter
help undo

# The state root commits to every resource: a proof that alice holds her
# balance, and that bob holds no counter, each checked against the root.
root
prove alice coin::Balance
prove bob counter::Counter

# Every block has a time and a height (block::timestamp(), block::height()):
# the time stays until set or moved on, the height grows by one a block.
time 1700000000
time +60
height

# `for` repeats commands: `{EXPR}` in a name, a number or a byte string is
# the value of an expression over the loop variables. Inside a block, the
# loop's calls all join that one block: three accounts paid in one block.
for i in 1..4 {
  account guest{i}
  call guest{i} coin::register
}
block {
  for i in 1..4 {
    call alice coin::transfer guest{i} {i * 10}
  }
}
expect success
expect field guest3 coin::Balance.coin.value == 30
