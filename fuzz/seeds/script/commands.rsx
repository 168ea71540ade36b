publish stdlib coin
account alice
account bob @0xB0B
accounts
call alice coin::register
call bob coin::register
call alice coin::mint 1000 gas 50000
expect success
call alice coin::transfer bob 5000
expect abort 1
call alice coin::transfer bob 1 gas 10
expect out-of-gas
block {
  call alice coin::transfer bob 10
  call bob coin::transfer alice 1
}
expect field alice coin::Balance.coin.value == 991
expect missing @0xC 0x1::coin::Balance
show alice
access coin::transfer
modules
events
events all
root
snapshot s1
call bob coin::transfer alice 2
restore s1
undo
help transfers
transfers 20 between 5 accounts amount 2 seed 7
transfers 10 between 3 accounts hot
