# Constant-product pools with the standard library's AMM (0x1::amm).
#
#   resin run examples/amm.rsx
#   resin schedule examples/amm.rsx     # the lane plans, with each dependency's key
#
# Three currencies of 0x1::currency, two pools created by Alice (USD/EUR
# and USD/BTC), each at an address the module derives from her address and
# a seed. A swap writes its pool and the trader's own balances: swaps on
# different pools by different traders run side by side, swaps on one pool
# are ordered (each moves the price the next one sees).

publish stdlib

# Each currency is a type; its module alone can make the witness that
# initialises it, with the mint and burn capabilities stored at its issuer.
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
account dave
account erin

call bank usd::init
call bank eur::init
call bank btc::init
expect success

# Every account opens a balance in each currency; alice gets the most.
block {
  call alice currency::register<usd::USD>
  call alice currency::register<eur::EUR>
  call alice currency::register<btc::BTC>
  call bob currency::register<usd::USD>
  call bob currency::register<eur::EUR>
  call carol currency::register<usd::USD>
  call carol currency::register<eur::EUR>
  call dave currency::register<usd::USD>
  call erin currency::register<btc::BTC>
}
expect success
block {
  call bank currency::mint<usd::USD> alice 10000000
  call bank currency::mint<eur::EUR> alice 10000000
  call bank currency::mint<btc::BTC> alice 1000
  call bank currency::mint<usd::USD> bob 1000000
  call bank currency::mint<eur::EUR> bob 1000000
  call bank currency::mint<usd::USD> carol 100000
  call bank currency::mint<usd::USD> dave 100000
  call bank currency::mint<btc::BTC> erin 10
}
expect success

# Alice creates two pools: 1,000,000 USD against 2,000,000 EUR, and
# 3,000,000 USD against 100 BTC. She holds sqrt(x * y) shares of each, less
# 1,000 locked in the pool.
call alice amm::create_pool<usd::USD, eur::EUR> b"usd-eur" 1000000 2000000
expect success
call alice amm::create_pool<usd::USD, btc::BTC> b"usd-btc" 3000000 100
expect success
account usd_eur = view amm::pool_address alice b"usd-eur"
account usd_btc = view amm::pool_address alice b"usd-btc"
view amm::reserves<usd::USD, eur::EUR> usd_eur
expect view amm::reserves<usd::USD, eur::EUR> usd_eur == 1000000, 2000000
view amm::shares<usd::USD, eur::EUR> usd_eur
expect field alice currency::Balance<amm::LP<usd::USD, eur::EUR>>.coin.value == 1413213

# A quote, then the swap with it as the slippage limit: 10,000 USD less the
# 0.3% fee buys 19,743 EUR.
access amm::swap_x_to_y<usd::USD, eur::EUR>
view amm::quote_x_to_y<usd::USD, eur::EUR> usd_eur 10000
expect view amm::quote_x_to_y<usd::USD, eur::EUR> usd_eur 10000 == 19743
call carol amm::swap_x_to_y<usd::USD, eur::EUR> usd_eur 10000 19743
expect success
expect field carol currency::Balance<eur::EUR>.coin.value == 19743

# The price has moved: the same limit now fails (E_SLIPPAGE) and takes nothing.
call carol amm::swap_x_to_y<usd::USD, eur::EUR> usd_eur 10000 19743
expect abort E_SLIPPAGE
expect field carol currency::Balance<usd::USD>.coin.value == 90000

# Swaps on the two pools by different traders do not conflict; bob's swap
# on USD/EUR after carol's is ordered after it. Dave buys BTC with USD and
# is registered in BTC by the swap; Erin sells BTC.
block {
  call carol amm::swap_x_to_y<usd::USD, eur::EUR> usd_eur 10000 1
  call dave amm::swap_x_to_y<usd::USD, btc::BTC> usd_btc 60000 1
  call bob amm::swap_y_to_x<usd::USD, eur::EUR> usd_eur 50000 1
  call erin amm::swap_y_to_x<usd::USD, btc::BTC> usd_btc 1 1
}
expect success
expect field dave currency::Balance<btc::BTC>.coin.value == 1
view amm::reserves<usd::USD, eur::EUR> usd_eur
view amm::reserves<usd::USD, btc::BTC> usd_btc

# Bob provides liquidity: of 100,000 USD and 500,000 EUR offered, the pool
# takes what keeps its ratio and pays shares in proportion.
call bob amm::add_liquidity<usd::USD, eur::EUR> usd_eur 100000 500000 1
expect success
show bob
# Asking for more shares than the deposit earns aborts (E_SLIPPAGE).
call bob amm::add_liquidity<usd::USD, eur::EUR> usd_eur 100000 500000 1000000
expect abort E_SLIPPAGE

# Alice withdraws half her shares, with the fees her shares earned.
call alice amm::remove_liquidity<usd::USD, eur::EUR> usd_eur 706606 1 1
expect success
view amm::reserves<usd::USD, eur::EUR> usd_eur
view amm::shares<usd::USD, eur::EUR> usd_eur

# A pool that does not exist: E_NO_POOL.
call carol amm::swap_x_to_y<usd::USD, eur::EUR> usd_btc 10 0
expect abort E_NO_POOL
