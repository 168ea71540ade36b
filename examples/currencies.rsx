# One generic coin, two currencies: `0x1::generic_coin` is the standard
# library's coin written once over a phantom currency `T`, so `Balance<USD>`
# and `Balance<EUR>` are different resources at different keys.
#
#   cargo run --release -- run examples/currencies.rsx
#   cargo run --release -- schedule examples/currencies.rsx

publish stdlib generic_coin

# A currency is any type: these name one each and hold nothing.
module 0x2::usd { struct USD has drop {} }
module 0x3::eur { struct EUR has drop {} }

account alice
account bob
call alice generic_coin::register<usd::USD>
call alice generic_coin::register<eur::EUR>
call bob generic_coin::register<usd::USD>
call bob generic_coin::register<eur::EUR>
call alice generic_coin::mint<usd::USD> 1_000
call alice generic_coin::mint<eur::EUR> 500
expect success

# The same two accounts, both currencies: each currency's transfers depend on
# each other (they touch the same two balances), but no USD transfer depends
# on an EUR one, so the plan runs the two currencies in two lanes.
block {
    call alice generic_coin::transfer<usd::USD> bob 100
    call alice generic_coin::transfer<eur::EUR> bob 50
    call bob generic_coin::transfer<usd::USD> alice 10
    call bob generic_coin::transfer<eur::EUR> alice 5
}
expect success
expect field alice generic_coin::Balance<usd::USD>.coin.value == 910
expect field bob generic_coin::Balance<eur::EUR>.coin.value == 45
show alice
show bob

# The access set of the generic function, and of one instance.
access generic_coin::transfer
access generic_coin::transfer<usd::USD>

# A type argument is checked like any other argument.
call alice generic_coin::transfer<eur::EUR> bob 1_000
expect abort 1
