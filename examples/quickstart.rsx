# Resin quick start: publish the coin contract, open accounts, move money,
# then run a block of 20,000 transfers on the parallel executor.
#
#   cargo run --release -- run examples/quickstart.rsx

# The coin of the standard library (stdlib/modules/coin.rsn), compiled on first use.
publish stdlib coin

account alice
account bob
account carol

call alice coin::register
call bob coin::register
call carol coin::register
call alice coin::mint 1_000
expect success

# Money moves; a withdrawal beyond the balance aborts with E_INSUFFICIENT (1).
call alice coin::transfer bob 250
call bob coin::transfer carol 500
expect abort 1

# Three transfers in one block: the first two touch alice and bob, the third
# only carol and dave, so the plan puts it in a lane of its own.
account dave
call dave coin::register
block {
    call alice coin::transfer bob 10
    call bob coin::transfer alice 5
    call carol coin::transfer dave 0
}
expect success
show alice
show bob
access coin::transfer

# A big block: 20,000 random transfers between 2,000 accounts, executed on
# every core. Its lanes would seldom wait for each other, so they take it in
# chunks without a plan (a block whose lanes would often wait is planned).
transfers 20_000 between 2_000 accounts seed 7
expect success
