# 2-of-3 wallets with the standard library's 0x1::multisig.
#
#   resin run examples/multisig.rsx
#   resin schedule examples/multisig.rsx     # the lane plans
#
# A wallet lives at an address the module derives from its creator and a
# seed. An owner proposes a payment under an id (which counts as their
# approval); a second owner's approval pays it. Payments are entries of
# keyed storage, Payment<T>@wallet[id]: payments of two wallets never
# conflict, and proposals under different ids of one wallet neither.

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
account erin
account frank
account shop

call bank usd::init
block {
  call alice currency::register<usd::USD>
  call carol currency::register<usd::USD>
  call shop currency::register<usd::USD>
  call frank currency::register<usd::USD>
}
block {
  call bank currency::mint<usd::USD> alice 10000
  call bank currency::mint<usd::USD> carol 10000
}
expect success

# Two wallets: alice's "team" (owners alice, bob, carol) and carol's "ops"
# (owners carol, dave, erin).
call alice multisig::create<usd::USD> b"team" alice bob carol
expect success
call carol multisig::create<usd::USD> b"ops" carol dave erin
expect success
account team = view multisig::wallet_address alice b"team"
account ops = view multisig::wallet_address carol b"ops"
view multisig::owners<usd::USD> team

# Three owners, all different: E_OWNERS.
call alice multisig::create<usd::USD> b"bad" alice bob alice
expect abort E_OWNERS

block {
  call alice multisig::deposit<usd::USD> team 5000
  call carol multisig::deposit<usd::USD> ops 3000
}
expect success
view multisig::balance<usd::USD> team

# Proposals in both wallets, and two in one wallet under different ids:
# every one writes its own payment entry.
access multisig::propose<usd::USD>
block {
  call alice multisig::propose<usd::USD> team 1 shop 1200
  call bob multisig::propose<usd::USD> team 2 frank 300
  call dave multisig::propose<usd::USD> ops 1 frank 800
}
expect success
show multisig::Payment<usd::USD>@team[1]
view multisig::payment<usd::USD> team 1

# Not an owner (E_NOT_OWNER), an id in use (E_ID_TAKEN), approving one's
# own proposal again (E_APPROVED), naming another payee (E_WRONG_PAYEE).
call frank multisig::propose<usd::USD> team 3 frank 5000
expect abort E_NOT_OWNER
call carol multisig::propose<usd::USD> team 1 shop 10
expect abort E_ID_TAKEN
call alice multisig::approve<usd::USD> team 1 shop
expect abort E_APPROVED
call bob multisig::approve<usd::USD> team 1 frank
expect abort E_WRONG_PAYEE

# Second approvals pay. The two wallets' payments, to different payees,
# run side by side.
access multisig::approve<usd::USD>
block {
  call carol multisig::approve<usd::USD> team 1 shop
  call erin multisig::approve<usd::USD> ops 1 frank
}
expect success
expect field shop currency::Balance<usd::USD>.coin.value == 1200
expect field frank currency::Balance<usd::USD>.coin.value == 800
view multisig::balance<usd::USD> team
view multisig::balance<usd::USD> ops
view multisig::payment<usd::USD> team 1

# A third approval finds the payment made (E_EXECUTED).
call bob multisig::approve<usd::USD> team 1 shop
expect abort E_EXECUTED

# More than the wallet holds: the approval aborts (E_INSUFFICIENT) and is
# not recorded; after a deposit the same approval pays.
call alice multisig::propose<usd::USD> team 4 frank 5000
call bob multisig::approve<usd::USD> team 4 frank
expect abort E_INSUFFICIENT
call alice multisig::deposit<usd::USD> team 2000
call bob multisig::approve<usd::USD> team 4 frank
expect success
expect field frank currency::Balance<usd::USD>.coin.value == 5800
view multisig::balance<usd::USD> team
