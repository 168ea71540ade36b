# A vote with the standard library's DAO (0x1::dao).
#
#   resin run examples/dao_vote.rsx
#   resin schedule examples/dao_vote.rsx     # the lane plans: the votes have no dependencies
#
# Alice opens a proposal for an hour. It lives at an address the module
# derives from her address and the proposal's name, so she may open as many
# as she likes. Each voter's ballot is an entry of keyed storage,
# Ballot@proposal[voter], and the tallies are counters that votes only add
# to: a block of votes by different voters has no dependencies. After the
# deadline anyone closes the proposal, and Alice executes it.

publish stdlib

account alice
account bob
account carol
account dave
account erin
account frank

time 1700000000

# Open for an hour (deadline 1700003600), decided by at least 3 votes.
call alice dao::propose b"budget" b"Spend 5,000 on documentation" 1700003600 3
expect success

# The proposal's address, derived from alice and b"budget"; bound to a name
# so the calls below can pass it.
account budget = view dao::proposal_address alice b"budget"
expect field budget dao::Proposal.deadline == 1700003600

# Every vote writes its own ballot and adds to a tally.
access dao::vote
block {
  call alice dao::vote budget true
  call bob dao::vote budget true
  call carol dao::vote budget false
  call dave dao::vote budget true
}
expect success
expect field budget dao::Yes.votes == 3
expect field budget dao::No.votes == 1
expect field budget dao::Ballot[carol].yes == false
expect missing budget dao::Ballot[erin]
view dao::tally budget

# One vote per voter: bob's second vote aborts with E_VOTED.
call bob dao::vote budget false
expect abort E_VOTED

# Too early to close: E_OPEN.
call erin dao::close budget
expect abort E_OPEN

# An hour later voting has ended (E_ENDED) and anyone may close.
time +3600
call frank dao::vote budget true
expect abort E_ENDED
call erin dao::close budget
expect success
events
view dao::status budget
expect field budget dao::Proposal.passed == true

# Only the creator executes, and only once.
call bob dao::execute budget
expect abort E_NOT_CREATOR
call alice dao::execute budget
expect success
call alice dao::execute budget
expect abort E_EXECUTED
view dao::status budget
