# The vault, driven as a user would: open, deposit, take too much.
publish ../sources/vault.rsn
account alice
call alice vault::open
expect success
call alice vault::deposit 5
expect field alice vault::Vault.amount == 5
call alice vault::take 6
expect abort 7
