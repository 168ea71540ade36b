# An accepted upgrade: the stored vault is read and changed by the new code.
account alice
publish vault_v1.rsn
call alice vault::open 5
root
publish vault_v2.rsn
root
call alice vault::bump
expect success
call alice vault::bump
expect abort 1
show alice
