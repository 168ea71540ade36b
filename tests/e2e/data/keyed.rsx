# Keyed entries, counters, block time and friends, end to end (tests/e2e/shared.rs).
publish ../../../examples/token.rsn
publish ../../../examples/dao.rsn
# A counter with a small bound, and a friend allowed to reset it.
module 0x3::meter {
    friend 0x3::admin;
    struct Used has key { n: u8 }
    public entry fun open(s: &signer) { move_to(s, Used { n: 0 }); }
    public entry fun spend(s: &signer, n: u8) { counter_add<Used>(signer::address_of(s), n); }
    public(friend) fun reset(a: address) { borrow_global_mut<Used>(a).n = 0; }
}
module 0x3::admin {
    public entry fun reset(s: &signer) { 0x3::meter::reset(signer::address_of(s)); }
}
# What a block's transactions see of its context.
module 0x3::clock {
    struct Seen has key { time: u64, height: u64 }
    public entry fun see(s: &signer) { move_to(s, Seen { time: block::timestamp(), height: block::height() }); }
}
account issuer @0x2
account alice @0xa11ce
account bob @0xb0b
account carol @0xca201

time 1000
height 7
call issuer token::init
block {
  call alice token::register
  call bob token::register
}
call alice token::mint 100
expect field issuer token::Supply.total == 100

access token::transfer_from
access dao::vote
access meter::spend
access admin::reset

# An approval and the transfer_from it allows, in one block: ordered by the entry.
block {
  call alice token::approve bob 50
  call bob token::transfer_from alice bob 20
}
expect success
show token::Allowance@alice[bob]
show token::Allowance@bob[alice]
expect field alice token::Allowance[bob].amount == 30
expect missing bob token::Allowance[alice]
show alice

# A u8 counter: adds commute until one reaches the bound.
call alice meter::open
block {
  call alice meter::spend 200
  call alice meter::spend 50
}
expect success
expect field alice meter::Used.n == 250
block {
  call alice meter::spend 5
  call alice meter::spend 1
}
expect field alice meter::Used.n == 255
call alice meter::spend 1
expect counter-overflow
expect field alice meter::Used.n == 255
call alice admin::reset
expect success
expect field alice meter::Used.n == 0

# A proposal closes only after its deadline, by the block time.
call alice dao::propose 2000
block {
  call alice dao::vote alice true
  call bob dao::vote alice false
}
expect success
call bob dao::close alice
expect abort 3
time +1000
call carol dao::vote alice true
expect abort 2
call bob dao::close alice
expect success
expect field alice dao::Proposal.closed == true
expect field alice dao::Proposal.passed == false
show dao::Ballot@alice[bob]
block {
  call alice clock::see
  call bob clock::see
}
expect field alice clock::Seen.time == 2000
expect field alice clock::Seen.height == 21
expect field bob clock::Seen.height == 21
time
