# A day on a marketplace: every module of the standard library at once, in
# blocks of over a thousand transactions written as loops (`for`, see
# docs/CLI.md, Loops).
#
#   resin run examples/marketplace_day.rsx
#   resin schedule examples/marketplace_day.rsx     # the lane plans
#
# 300 shoppers (user0 .. user299) hold dollars and euros (0x1::currency);
# they approve the shop to pull dollars from them (0x1::fungible), collect
# and trade an artist's tokens (0x1::nft), vote on the market's budget
# (0x1::dao), swap on three pools (0x1::amm), pay each other in escrow
# (0x1::escrow), and the market's team pays from a 2-of-3 wallet
# (0x1::multisig). Most of these touch different keys (balances, ballots,
# tokens, escrows and allowances of different accounts, counters that only
# add), so the big blocks spread over every lane; swaps on one pool, and
# payments from one wallet, are ordered.

publish stdlib

module 0x2::usd {
    struct USD has drop {}
    public entry fun init(issuer: &signer) { 0x1::currency::initialize_stored<USD>(issuer, USD {}); }
}
module 0x3::eur {
    struct EUR has drop {}
    public entry fun init(issuer: &signer) { 0x1::currency::initialize_stored<EUR>(issuer, EUR {}); }
}
module 0x4::btc {
    struct BTC has drop {}
    public entry fun init(issuer: &signer) { 0x1::currency::initialize_stored<BTC>(issuer, BTC {}); }
}

account bank
account alice
account bob
account carol
account artist
account shop
account judge
for i in 0..300 {
  account user{i}
}

time 1700000000
call bank usd::init
call bank eur::init
call bank btc::init
expect success

# Opening: everyone opens dollar and euro balances and is paid 10,000 of
# each; alice, the market maker, gets more, and bitcoin.
block {
  for i in 0..300 {
    call user{i} currency::register<usd::USD>
    call user{i} currency::register<eur::EUR>
  }
  call alice currency::register<usd::USD>
  call alice currency::register<eur::EUR>
  call alice currency::register<btc::BTC>
  call shop currency::register<usd::USD>
  call artist currency::register<usd::USD>
}
expect success
block {
  for i in 0..300 {
    call bank currency::mint<usd::USD> user{i} 10_000
    call bank currency::mint<eur::EUR> user{i} 10_000
  }
  call bank currency::mint<usd::USD> alice 10_000_000
  call bank currency::mint<eur::EUR> alice 10_000_000
  call bank currency::mint<btc::BTC> alice 10_000
}
expect success
expect field bank currency::Supply<usd::USD>.total == 13_000_000
expect field user299 currency::Balance<eur::EUR>.coin.value == 10_000

# The market's fixtures: three pools, a collection, a budget proposal open
# for two hours, and the team's wallet.
call alice amm::create_pool<usd::USD, eur::EUR> b"usd-eur" 1_000_000 2_000_000
call alice amm::create_pool<usd::USD, btc::BTC> b"usd-btc" 1_000_000 1_000
call alice amm::create_pool<eur::EUR, btc::BTC> b"eur-btc" 2_000_000 1_000
call artist nft::create_collection b"sunsets" 1_000
call alice dao::propose b"budget" b"Spend 5,000 on the market's stalls" 1700007200 200
call alice multisig::create<usd::USD> b"team" alice bob carol
expect success
account usd_eur = view amm::pool_address alice b"usd-eur"
account usd_btc = view amm::pool_address alice b"usd-btc"
account eur_btc = view amm::pool_address alice b"eur-btc"
account sunsets = view nft::collection_address artist b"sunsets"
account budget = view dao::proposal_address alice b"budget"
account team = view multisig::wallet_address alice b"team"
call alice multisig::deposit<usd::USD> team 50_000
expect success

# The morning market, one block of 1,170 transactions:
# - the first 150 shoppers pay the last 150 a hundred dollars each;
# - everyone lets the shop pull up to 500 dollars from them;
# - the artist mints token i to user i;
# - 250 shoppers vote on the budget, 170 for and 80 against;
# - 70 shoppers swap on the three pools (each pool's swaps in order);
# - the first 100 shoppers each put 250 dollars in escrow for user i + 100,
#   with the judge as arbiter, for a day.
block {
  for i in 0..150 {
    call user{i} currency::transfer<usd::USD> user{i + 150} 100
  }
  for i in 0..300 {
    call user{i} fungible::approve<usd::USD> shop 500
    call artist nft::mint sunsets {i} user{i} b"ipfs://sunsets/{i}"
  }
  for i in 0..170 {
    call user{i} dao::vote budget true
  }
  for i in 170..250 {
    call user{i} dao::vote budget false
  }
  for i in 0..30 {
    call user{200 + i} amm::swap_x_to_y<usd::USD, eur::EUR> usd_eur 1_000 1
  }
  for i in 0..20 {
    call user{230 + i} amm::swap_x_to_y<usd::USD, btc::BTC> usd_btc 3_000 0
    call user{250 + i} amm::swap_x_to_y<eur::EUR, btc::BTC> eur_btc 6_000 0
  }
  for i in 0..100 {
    call user{i} escrow::open<usd::USD> 1 user{i + 100} judge 250 1700086400
  }
}
expect success
expect field user0 currency::Balance<usd::USD>.coin.value == 9_650
expect field user150 currency::Balance<usd::USD>.coin.value == 10_100
expect field user7 fungible::Allowance<usd::USD>[shop].amount == 500
expect field sunsets nft::Minted.count == 300
expect field sunsets nft::Token[42].owner == user42
expect field budget dao::Yes.votes == 170
expect field budget dao::No.votes == 80
expect field budget dao::Ballot[user200].yes == false
expect missing budget dao::Ballot[user250]
view amm::reserves<usd::USD, eur::EUR> usd_eur
view amm::reserves<usd::USD, btc::BTC> usd_btc
view amm::reserves<eur::EUR, btc::BTC> eur_btc
expect field user249 currency::Balance<btc::BTC>.coin.value == 2
view escrow::details<usd::USD> user3 1

# The afternoon market, an hour later, one block of 1,090 transactions:
# - the shop pulls 200 dollars from each of the first 150 shoppers for the
#   last 150 (within the allowances);
# - every collector passes token i on to user i + 7 (mod 300), and the
#   new owners of tokens 0 to 19 burn them;
# - the artist mints 300 more tokens, 300 + i to user i;
# - the first 150 shoppers pay user 299 - i 300 euros;
# - the judge releases the first 60 escrows and refunds the other 40;
# - 30 shoppers swap euros back to dollars;
# - the team's wallet pays 20 shoppers 100 dollars each: alice proposes,
#   bob approves (each approval pays, in order: one wallet balance).
time +3600
block {
  for i in 0..150 {
    call shop fungible::transfer_from<usd::USD> user{i} user{i + 150} 200
  }
  for i in 0..300 {
    call user{i} nft::transfer sunsets {i} user{(i + 7) % 300}
  }
  for i in 0..20 {
    call user{i + 7} nft::burn sunsets {i}
  }
  for i in 0..300 {
    call artist nft::mint sunsets {300 + i} user{i} b"ipfs://sunsets/{300 + i}"
  }
  for i in 0..150 {
    call user{i} currency::transfer<eur::EUR> user{299 - i} 300
  }
  for i in 0..60 {
    call judge escrow::release<usd::USD> user{i} 1 user{i + 100}
  }
  for i in 60..100 {
    call judge escrow::refund<usd::USD> user{i} 1
  }
  for i in 0..30 {
    call user{200 + i} amm::swap_y_to_x<usd::USD, eur::EUR> usd_eur 1_500 1
  }
  for i in 0..20 {
    call alice multisig::propose<usd::USD> team {i} user{i} 100
    call bob multisig::approve<usd::USD> team {i} user{i}
  }
}
expect success
expect field user0 currency::Balance<usd::USD>.coin.value == 9_550
expect field user0 currency::Balance<eur::EUR>.coin.value == 9_700
expect field user100 currency::Balance<usd::USD>.coin.value == 9_950
expect field user170 currency::Balance<usd::USD>.coin.value == 10_300
expect field user170 currency::Balance<eur::EUR>.coin.value == 10_300
expect field user70 currency::Balance<usd::USD>.coin.value == 9_700
expect field user7 fungible::Allowance<usd::USD>[shop].amount == 300
expect field user200 fungible::Allowance<usd::USD>[shop].amount == 500
expect field sunsets nft::Token[42].owner == user49
expect field sunsets nft::Token[299].owner == user6
expect field sunsets nft::Token[499].owner == user199
expect missing sunsets nft::Token[5]
expect field sunsets nft::Minted.count == 600
expect field sunsets nft::Burned.count == 20
view nft::supply sunsets
expect missing user10 escrow::Escrow<usd::USD>[1]
expect missing user80 escrow::Escrow<usd::USD>[1]
view multisig::balance<usd::USD> team
view amm::reserves<usd::USD, eur::EUR> usd_eur

# After the deadline a late vote is refused, and the budget is closed and
# executed. It passed: 170 for, 80 against, a quorum of 200.
time +3600
call user299 dao::vote budget true
expect abort E_ENDED
call user1 dao::close budget
expect success
call alice dao::execute budget
expect success
view dao::tally budget
view dao::status budget
expect field budget dao::Proposal.passed == true
