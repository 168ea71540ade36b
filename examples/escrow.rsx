# Payments in escrow with the standard library's 0x1::escrow.
#
#   resin run examples/escrow.rsx
#   resin schedule examples/escrow.rsx     # the lane plans
#
# A buyer locks coins for a seller with an arbiter; the arbiter releases
# them to the seller or refunds the buyer, and after the deadline the buyer
# may take them back alone. Each escrow is an entry of keyed storage,
# Escrow<T>@payer[id], so escrows of different payers, or of one payer
# under different ids, never conflict.

publish stdlib

module 0x2::usd {
    struct USD has drop {}
    public entry fun init(issuer: &signer) { 0x1::currency::initialize_stored<USD>(issuer, USD {}); }
}

account bank
account alice
account bob
account carol
account dave
account judge

call bank usd::init
block {
  call alice currency::register<usd::USD>
  call bob currency::register<usd::USD>
  call carol currency::register<usd::USD>
  call dave currency::register<usd::USD>
}
block {
  call bank currency::mint<usd::USD> alice 1000
  call bank currency::mint<usd::USD> carol 1000
}
expect success

time 1700000000

# Three escrows, each with a week's deadline: alice pays bob (ids 1 and 2),
# carol pays dave (id 1). Each is its own (payer, id) key; alice's two are
# ordered only because both take coins from her balance, and carol's runs
# beside them.
access escrow::open<usd::USD>
block {
  call alice escrow::open<usd::USD> 1 bob judge 300 1700604800
  call alice escrow::open<usd::USD> 2 bob judge 200 1700604800
  call carol escrow::open<usd::USD> 1 dave judge 500 1700604800
}
expect success
expect field alice currency::Balance<usd::USD>.coin.value == 500
show escrow::Escrow<usd::USD>@alice[1]
view escrow::details<usd::USD> alice 1

# An id in use: E_EXISTS. A payee with no USD balance: E_NOT_REGISTERED.
call alice escrow::open<usd::USD> 1 bob judge 10 1700604800
expect abort E_EXISTS
call alice escrow::open<usd::USD> 3 bank judge 10 1700604800
expect abort E_NOT_REGISTERED

# The goods arrive: the arbiter releases alice's first escrow to bob and
# refunds carol's. The recipient is named in the call and checked.
access escrow::release<usd::USD>
call bob escrow::release<usd::USD> alice 1 bob
expect abort E_NOT_ARBITER
call judge escrow::release<usd::USD> alice 1 judge
expect abort E_WRONG_PAYEE
block {
  call judge escrow::release<usd::USD> alice 1 bob
  call judge escrow::refund<usd::USD> carol 1
}
expect success
expect field bob currency::Balance<usd::USD>.coin.value == 300
expect field carol currency::Balance<usd::USD>.coin.value == 1000
expect missing alice escrow::Escrow<usd::USD>[1]

# The arbiter never settles the second one. Before the deadline alice
# cannot take it back (E_NOT_EXPIRED); a week later she can.
call alice escrow::reclaim<usd::USD> 2
expect abort E_NOT_EXPIRED
time +604800
call alice escrow::reclaim<usd::USD> 2
expect success
expect field alice currency::Balance<usd::USD>.coin.value == 700
call judge escrow::release<usd::USD> alice 2 bob
expect abort E_NO_ESCROW
