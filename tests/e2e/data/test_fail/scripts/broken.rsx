publish ../sources/tally.rsn
account alice
call alice tally::start
expect success
call alice tally::bump 4
expect field alice tally::Tally.n == 5
