# Shared objects: many users calling into one object without conflicting.
#
#   resin run examples/shared_objects.rsx
#   resin schedule examples/shared_objects.rsx     # the lane plans, with each dependency's key
#
# A token whose allowances are entries of keyed storage (Allowance@owner[spender])
# and whose supply is a counter, a DAO whose ballots are keyed and whose tallies
# are counters, an NFT collection whose tokens are keyed by id, and an order
# book whose orders are keyed by a struct of market and id. Entries of
# different keys never conflict, and adds to one counter commute, so each block
# below runs its calls side by side.

publish token.rsn
publish dao.rsn
publish nft.rsn
publish book.rsn

# The token's supply counter lives at its issuer: the module's own address.
account issuer @0x2
account alice
account bob
account carol
account dave
account gallery

# Every block runs at the session's block time; the height grows by one a block.
time 1700000000

call issuer token::init
expect success

# Mints by different users all add to one supply counter: no dependencies.
block {
  call alice token::register
  call bob token::register
  call carol token::register
  call dave token::register
}
block {
  call alice token::mint 1000
  call bob token::mint 500
  call carol token::mint 250
}
expect success
show issuer

# Approvals of different (owner, spender) pairs touch different entries.
access token::approve
access token::transfer_from
block {
  call alice token::approve bob 300
  call carol token::approve dave 100
}
expect success
show token::Allowance@alice[bob]
expect field alice token::Allowance[bob].amount == 300
expect missing alice token::Allowance[dave]

# Each spender takes from its owner; the pairs still run side by side.
block {
  call bob token::transfer_from alice bob 120
  call dave token::transfer_from carol dave 100
}
expect success
expect field alice token::Allowance[bob].amount == 180
expect field carol token::Allowance[dave].amount == 0
# More than the allowance: abort 2 (E_ALLOWANCE).
call bob token::transfer_from alice bob 181
expect abort 2
show alice

# A proposal open for an hour; votes add to the tallies.
call alice dao::propose 1700003600
access dao::vote
block {
  call alice dao::vote alice true
  call bob dao::vote alice true
  call carol dao::vote alice false
  call dave dao::vote alice true
}
expect success
expect field alice dao::Yes.votes == 3
show dao::Ballot@alice[carol]
# One ballot per voter: abort 1 (E_VOTED).
call bob dao::vote alice false
expect abort 1
# Closing before the deadline: abort 3 (E_OPEN).
call carol dao::close alice
expect abort 3
time +3600
call carol dao::close alice
expect success
expect field alice dao::Proposal.passed == true

# Mints into one collection, each its own id.
call gallery nft::create 100
block {
  call alice nft::mint gallery 1 b"ipfs://one"
  call bob nft::mint gallery 2 b"ipfs://two"
  call carol nft::mint gallery 3 b"ipfs://three"
}
expect success
expect field gallery nft::Minted.count == 3
# An id that is taken: abort 1 (E_EXISTS).
call dave nft::mint gallery 2 b"ipfs://again"
expect abort 1
call bob nft::transfer gallery 2 dave
expect field gallery nft::Token[2].owner == dave
show gallery
time

# Orders of one market, each keyed by OrderId { market, id }: the access set
# names the struct's fields, Order@market[(market, id)], so placing and
# filling different orders never conflict; two fills of one order are ordered.
account market
access book::fill
block {
  call alice book::place market 1 100 5
  call bob book::place market 2 101 3
  call carol book::place market 3 99 7
}
expect success
block {
  call dave book::fill market 1 2
  call carol book::fill market 2 1
  call bob book::fill market 1 3
}
expect success
show book::Order@market[(market, 2)]
expect field market book::Order[(market, 1)].qty == 0
expect view book::left market 3 == 7
# Only the maker cancels: abort 2 (E_NOT_MAKER); more than is left: abort 4.
call alice book::cancel market 2
expect abort 2
call dave book::fill market 3 8
expect abort 4
call bob book::cancel market 2
expect success
expect missing market book::Order[(market, 2)]
