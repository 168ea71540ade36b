# Collections of non-fungible tokens, `0x1::nft`. A collection lives at an
# address derived from its creator and a name (`nft::collection_address`),
# which only the nft module can sign for; each token is an entry of keyed
# storage, `Token@collection[id]`, and the minted and burnt totals are
# counters. So mints of different ids, and transfers of different tokens,
# never conflict, even within one collection.
#
#   cargo run --release -- run examples/nft_collection.rsx
#   cargo run --release -- schedule examples/nft_collection.rsx

publish stdlib nft

account artist
account alice
account bob
account carol

# The artist opens a collection of 100 tokens, named "sunsets"; a second
# one with the same name aborts.
call artist nft::create_collection b"sunsets" 100
expect success
call artist nft::create_collection b"sunsets" 5
expect abort E_COLLECTION_EXISTS
# A name for the collection's address (the view derives it), so the
# script can pass it around.
account sunsets = view nft::collection_address artist b"sunsets"
expect field sunsets nft::Collection.max == 100
view nft::creator_of sunsets

# The artist mints four tokens to three collectors in one block: four
# different token entries, and the minted count is a counter they only add
# to, so nothing depends on anything.
block {
    call artist nft::mint sunsets 0 alice b"ipfs://sunsets/0"
    call artist nft::mint sunsets 1 alice b"ipfs://sunsets/1"
    call artist nft::mint sunsets 2 bob b"ipfs://sunsets/2"
    call artist nft::mint sunsets 3 carol b"ipfs://sunsets/3"
}
expect success
expect field sunsets nft::Minted.count == 4
expect field sunsets nft::Token[2].owner == bob
view nft::owner_of sunsets 0
view nft::uri_of sunsets 3

# Only the artist mints; ids stop at the collection's size, and each id is
# minted once.
call alice nft::mint sunsets 4 alice b"ipfs://forged"
expect abort E_NOT_CREATOR
call artist nft::mint sunsets 100 alice b""
expect abort E_RANGE
call artist nft::mint sunsets 0 bob b""
expect abort E_EXISTS

# Collectors trade: transfers of different tokens touch different entries,
# so they run side by side; a token's owner alone may move it.
block {
    call alice nft::transfer sunsets 0 bob
    call bob nft::transfer sunsets 2 carol
    call carol nft::transfer sunsets 3 alice
}
expect success
expect field sunsets nft::Token[0].owner == bob
expect field sunsets nft::Token[2].owner == carol
call alice nft::transfer sunsets 2 alice
expect abort E_NOT_OWNER

# A burn removes the token and adds to the burnt count.
call carol nft::burn sunsets 2
expect success
expect missing sunsets nft::Token[2]
view nft::supply sunsets
view nft::minted sunsets
call carol nft::transfer sunsets 2 bob
expect abort E_NO_TOKEN

access nft::mint
access nft::transfer

# Two more artists open collections in a block that also mints into
# sunsets, and the artist opens a second one. A creation writes only the
# keys of the collection it creates, named by its creator and name
# (`write Collection@object(creator, seed)`): the four share no key, so
# nothing waits.
account painter
account sculptor
block {
    call painter nft::create_collection b"portraits" 10
    call sculptor nft::create_collection b"busts" 10
    call artist nft::mint sunsets 4 bob b"ipfs://sunsets/4"
    call artist nft::create_collection b"dawns" 3
}
expect success
account portraits = view nft::collection_address painter b"portraits"
expect field portraits nft::Collection.max == 10
expect field sunsets nft::Minted.count == 5
access nft::create_collection
