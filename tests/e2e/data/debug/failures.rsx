# Failures in source words: each receipt names the constant, the source
# line and the account.
account alice
account bob
publish bank.rsn
call alice bank::take 1
call alice bank::open
call alice bank::open
call alice bank::take 9
expect abort 7
expect abort E_TOO_MUCH
call bob bank::take 1
