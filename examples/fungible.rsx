# An ERC-20-style token, `0x1::fungible`, over the standard coin: an owner
# approves spenders, and a spender moves the owner's coins within its
# allowance. Each allowance is an entry of keyed storage,
# `Allowance<T>@owner[spender]`, so approvals and spends of different
# (owner, spender) pairs never conflict.
#
#   cargo run --release -- run examples/fungible.rsx
#   cargo run --release -- schedule examples/fungible.rsx

publish stdlib currency
publish stdlib fungible

module 0x2::gold {
    use 0x1::currency;

    struct GOLD has drop {}

    public entry fun init(issuer: &signer) {
        currency::initialize_stored<GOLD>(issuer, GOLD {});
    }
}

account treasury
account alice
account bob
account shop
account exchange
call treasury gold::init
call alice currency::register<gold::GOLD>
call bob currency::register<gold::GOLD>
call shop currency::register<gold::GOLD>
call exchange currency::register<gold::GOLD>
call treasury currency::mint<gold::GOLD> alice 1_000
call treasury currency::mint<gold::GOLD> bob 1_000
expect success

# Four approvals: alice and bob each approve the shop and the exchange.
# Four different allowance entries: no dependencies at all.
block {
    call alice fungible::approve<gold::GOLD> shop 300
    call alice fungible::approve<gold::GOLD> exchange 500
    call bob fungible::approve<gold::GOLD> shop 100
    call bob fungible::approve<gold::GOLD> exchange 200
}
expect success
expect field alice fungible::Allowance<gold::GOLD>[shop].amount == 300
view fungible::allowance<gold::GOLD> bob exchange
view fungible::allowance<gold::GOLD> shop alice

# The shop and the exchange spend: each spend writes its own allowance and
# the two balances it moves coins between.
block {
    call shop fungible::transfer_from<gold::GOLD> alice shop 120
    call exchange fungible::transfer_from<gold::GOLD> bob exchange 200
}
expect success
expect field alice fungible::Allowance<gold::GOLD>[shop].amount == 180
expect field bob fungible::Allowance<gold::GOLD>[exchange].amount == 0
expect field shop currency::Balance<gold::GOLD>.coin.value == 120
expect field exchange currency::Balance<gold::GOLD>.coin.value == 200

# Past the allowance, or without one, a spend aborts.
call exchange fungible::transfer_from<gold::GOLD> bob exchange 1
expect abort E_ALLOWANCE
call bob fungible::transfer_from<gold::GOLD> alice bob 1
expect abort E_ALLOWANCE
expect missing alice fungible::Allowance<gold::GOLD>[bob]

# An allowance over the balance stops at the balance.
call alice fungible::approve<gold::GOLD> exchange 5_000
call exchange fungible::transfer_from<gold::GOLD> alice exchange 1_001
expect abort E_INSUFFICIENT

# Approving 0 revokes.
call alice fungible::approve<gold::GOLD> shop 0
call shop fungible::transfer_from<gold::GOLD> alice shop 1
expect abort E_ALLOWANCE
view fungible::balance_of<gold::GOLD> alice

access fungible::approve<gold::GOLD>
access fungible::transfer_from<gold::GOLD>
