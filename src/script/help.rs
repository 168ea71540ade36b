//! `help`: one line per command, and a longer text per command.

/// Every command word, for `help` and tab completion.
pub const COMMANDS: &[&str] = &[
    "publish",
    "module",
    "account",
    "accounts",
    "call",
    "block",
    "for",
    "transfers",
    "show",
    "access",
    "view",
    "modules",
    "events",
    "root",
    "prove",
    "snapshot",
    "restore",
    "undo",
    "expect",
    "time",
    "height",
    "help",
];

const TOPICS: &[(&str, &str, &str)] = &[
    ("publish", "publish PATH | publish stdlib [NAME]", "Publish the modules of a Resin source file (.rsn) or a bytecode file (.rbc), \
      relative to the script's folder, or the standard library (all of it, or one module by name). Publishing the same code \
      again is a no-op; other code under a published id is refused. Address 0x1 is the standard library's, and the \
      builtin module names (signer, vector) are reserved."),
    ("module", "module 0xADDR::name { ... }", "Compile and publish a module written inline; it may span many lines."),
    ("account", "account NAME [@0xADDR | = view MODULE::FUNCTION ARGS]", "Bind a name to an address. Without an address \
      the name's own address is used (derived from the name, the same in every session). With `= view ...`, the \
      address the view returns (it must return one address): `account pool = view amm::pool_address alice b\"usd-eur\"`."),
    ("accounts", "accounts", "List the named accounts."),
    ("call", "call SENDER MODULE::FUNCTION ARGS... [gas N]", "Execute one transaction: SENDER (a name or @0x...) signs, \
      the entry function gets ARGS: integers (1_000, 0xff, 7u8, 9u128), true/false, account names, @0x... addresses, \
      vectors [1, 2] and byte strings b\"..\" or x\"0a0b\". MODULE is 0x1::coin or just coin. Arguments cost one gas per \
      byte; `gas N` sets the limit (default 1,000,000, at most 10,000,000). Prints the receipt; a failed \
      transaction is a receipt, not an error."),
    ("block", "block { call ...; call ... }", "Execute the calls as one block on the parallel executor: prints the lane \
      plan, every receipt, and the throughput. Every block (a `call` is a block of one) runs at the session's block \
      time and height: see `time` and `height`."),
    ("for", "for VAR in START..END { ... }", "Repeat the body's commands for VAR = START, ..., END - 1. In the body \
      `{EXPR}` is replaced by its value in names, numbers and byte strings: `account user{i}`, \
      `call user{i} coin::transfer user{(i + 1) % 100} {i * 10 + 1}`, `b\"seed-{i}\"` (`{{` writes a brace there). \
      EXPR uses the loop variables in scope, integers, + - * / % and parentheses, in checked u64 arithmetic. Inside \
      `block { ... }` a loop's calls all join that block. Loops nest; a `{` that opens a body or block is followed \
      by a space or a line break. The loops of one input run at most 1,000,000 iterations and produce at most \
      1,000,000 commands and calls."),
    ("transfers", "transfers N between M accounts [amount A] [seed S] [hot] [module MOD]", "Generate and execute a block \
      of N random coin transfers between M accounts user0..user(M-1), creating, registering and funding them first, \
      all as one command (a failing step undoes the others). N and M are at most 1,000,000. \
      `hot` sends every transfer to user0 (one hot key). MOD defaults to 0x1::coin and needs entry functions \
      register(&signer), mint(&signer, u64) and transfer(&signer, address, u64)."),
    ("show", "show NAME | show @0xADDR | show MODULE::Resource@ACCOUNT[INDEX]", "Print the resources stored at an \
      account, with field names, and the entries of keyed storage anchored there \
      (0x1::token::Allowance@0xa11ce[0xb0b] { amount: 5 }). With a type, print that one resource, or with [INDEX] \
      that one keyed entry: INDEX is written like a call argument (an account, @0x..., 7, 7u8, b\"..\"); an integer \
      without a suffix is a u64. An index the code builds as a struct is its fields in parentheses: [(alice, 7)]."),
    ("access", "access MODULE::FUNCTION", "Print a function's access set: which resources it reads, writes or adds to \
      (a counter), at which address, and for an entry of keyed storage under which index."),
    ("view", "view MODULE::FUNCTION ARGS...", "Call a public function (entry or not) and print its return values, \
      committing nothing: no state change, no transaction number, no block. ARGS are written as for `call`; the \
      function may take no signer. A view that aborts or fails is an error at its line."),
    ("modules", "modules", "List the published modules and their entry functions."),
    ("events", "events [all]", "Print the events of the last call or block, or every event of this session."),
    ("root", "root", "Print the state root (resources and code)."),
    ("prove", "prove ACCOUNT MODULE::Resource[INDEX]", "Print a Merkle proof that the account holds the resource (or \
      that it holds none), or with [INDEX] the keyed entry anchored there, and verify it against the state root: the \
      branches from the root down to the leaf, each as its split bit and the hash of the side not taken."),
    ("snapshot", "snapshot NAME", "Remember the current state under NAME (in memory, O(1))."),
    ("restore", "restore NAME", "Go back to a snapshot (undoable)."),
    ("undo", "undo", "Revert the last command that changed the state."),
    ("expect", "expect success | abort CODE|NAME | failure | out-of-gas | access-violation | counter-overflow\n       expect field ACCOUNT MODULE::Resource[INDEX].field.path == VALUE\n       expect missing ACCOUNT MODULE::Resource[INDEX]\n       expect view MODULE::FUNCTION ARGS == VALUE, ...",
      "Check the receipts of the previous call, block or transfers (every receipt must match), or a stored value: a \
      resource at the account, or with [INDEX] the keyed entry anchored there, or what a view returns (one value per \
      return value, separated by commas). `counter-overflow` is a counter add past its field's maximum. A failed \
      expectation is an error: `resin run` stops with exit code 1."),
    ("time", "time | time SECONDS | time +SECONDS", "Set the block time (block::timestamp()) of the following blocks, \
      or move it forward; without an argument, print the next block's time and height. The time stays until changed \
      (it starts at 0)."),
    ("height", "height | height H", "Set the height (block::height()) of the next block; each block after it is one \
      higher. The first block of a session has height 1, and every block (a `call` is a block of one, and each block \
      a `transfers` runs counts) raises it by one. Heights run up to 18446744073709551614: H must be below \
      18446744073709551615, and no block runs after one at the last height until `height H` sets a new one."),
    ("help", "help [COMMAND]", "This text."),
];

/// The help text for `topic`, or the overview.
pub fn help(topic: Option<&str>) -> Result<String, String> {
    match topic {
        None => {
            let mut out = String::from("commands (one per line, or separated by `;`; `#` starts a comment):\n");
            // Every line of every usage: `expect` has three forms.
            for line in TOPICS.iter().flat_map(|(_, usage, _)| usage.lines()) {
                out.push_str("  ");
                out.push_str(line.trim());
                out.push('\n');
            }
            out.push_str("`help COMMAND` explains one command. In the REPL, `quit` leaves.\n");
            Ok(out)
        }
        Some(t) => match TOPICS.iter().find(|(name, _, _)| *name == t) {
            Some((_, usage, text)) => Ok(format!("{usage}\n\n{}\n", wrap(text, 88))),
            None => Err(format!("no command `{t}` (try `help`)")),
        },
    }
}

fn wrap(text: &str, width: usize) -> String {
    let mut out = String::new();
    let mut line = 0;
    for word in text.split_whitespace() {
        if line > 0 && line + 1 + word.len() > width {
            out.push('\n');
            line = 0;
        } else if line > 0 {
            out.push(' ');
            line += 1;
        }
        out.push_str(word);
        line += word.len();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_command_has_help() {
        for c in COMMANDS {
            assert!(help(Some(c)).is_ok(), "{c}");
        }
        assert_eq!(TOPICS.len(), COMMANDS.len());
        assert!(help(Some("nope")).is_err());
        assert!(help(None).unwrap().contains("call SENDER MODULE::FUNCTION"));
    }

    /// The overview shows each command's whole usage, not its first line.
    #[test]
    fn overview_shows_whole_usages() {
        let overview = help(None).unwrap();
        let lines: Vec<&str> = overview.lines().map(str::trim).collect();
        for (_, usage, _) in TOPICS {
            for line in usage.lines() {
                assert!(lines.contains(&line.trim()), "overview lacks `{line}`:\n{overview}");
            }
        }
        assert!(lines.contains(&"block { call ...; call ... }"));
        assert!(lines.contains(&"expect missing ACCOUNT MODULE::Resource[INDEX]"));
    }
}
