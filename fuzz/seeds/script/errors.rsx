account a
call a coin::mint 1
publish stdlib nothing
restore nowhere
undo
undo
call a nope::f [1, [2]]
expect success
module 0x2::broken {
    fun f(): u64 { true }
}
account a @0x1
transfers 0 between 1 accounts
