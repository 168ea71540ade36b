# The standard coin, `0x1::currency`: a currency is created by the module
# that defines its type, which alone can make the witness value that
# `initialize` asks for. Balances are one resource per account and
# currency, so transfers between different accounts run in parallel, and
# the supply is a pair of counters that mints and burns only add to.
#
#   cargo run --release -- run examples/currency.rsx
#   cargo run --release -- schedule examples/currency.rsx

publish stdlib currency

# The issuer's module: `USD {}` can only be written here, so only this
# module can create the currency. `init` keeps both capabilities at the
# issuer's address, for `currency::mint` and `currency::burn`.
module 0x2::usd {
    use 0x1::currency;

    struct USD has drop {}

    public entry fun init(issuer: &signer) {
        currency::initialize_stored<USD>(issuer, USD {});
    }
}

account treasury
account alice
account bob
account carol
account dave
call treasury usd::init
expect success

# Everyone opens a balance; registering twice aborts.
block {
    call treasury currency::register<usd::USD>
    call alice currency::register<usd::USD>
    call bob currency::register<usd::USD>
    call carol currency::register<usd::USD>
    call dave currency::register<usd::USD>
}
expect success
call alice currency::register<usd::USD>
expect abort E_ALREADY_REGISTERED

# Mints to different accounts only add to the issuer's supply counter:
# they do not depend on each other.
block {
    call treasury currency::mint<usd::USD> alice 1_000
    call treasury currency::mint<usd::USD> carol 500
    call treasury currency::mint<usd::USD> treasury 100
}
expect success
expect field alice currency::Balance<usd::USD>.coin.value == 1_000
expect field treasury currency::Supply<usd::USD>.total == 1_600

# Only the holder of the capabilities mints.
call alice currency::mint<usd::USD> alice 1_000_000
expect abort E_NO_CAPABILITIES

# Two transfers between different pairs of accounts touch four different
# balances: no dependency between them. The third, from bob (paid by the
# first) to dave (paid by the second), waits for both.
block {
    call alice currency::transfer<usd::USD> bob 300
    call carol currency::transfer<usd::USD> dave 200
    call bob currency::transfer<usd::USD> dave 50
}
expect success
expect field alice currency::Balance<usd::USD>.coin.value == 700
expect field bob currency::Balance<usd::USD>.coin.value == 250
expect field dave currency::Balance<usd::USD>.coin.value == 250

# The witness must be a struct that only its module can make: anyone can
# make a `u64`, so a module that tries to issue `Coin<u64>` is refused.
module 0x2::squatter {
    use 0x1::currency;

    public entry fun init(issuer: &signer) {
        currency::initialize_stored<u64>(issuer, 0);
    }
}
call dave squatter::init
expect abort E_WITNESS_NOT_STRUCT

# An overdraft aborts and moves nothing.
call carol currency::transfer<usd::USD> alice 301
expect abort E_INSUFFICIENT
expect field carol currency::Balance<usd::USD>.coin.value == 300

# The issuer burns from its own balance; the supply is minted less burnt.
call treasury currency::burn<usd::USD> 40
expect success
expect field treasury currency::Burned<usd::USD>.total == 40
view currency::total_supply<usd::USD> treasury
view currency::balance<usd::USD> treasury

# What a transfer, a mint and a burn touch.
access currency::transfer<usd::USD>
access currency::mint<usd::USD>
access currency::burn<usd::USD>
