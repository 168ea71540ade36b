# Publishes what `resin build` wrote, bumps alice's counter twice and reads it.
# Run from the package: `resin build && resin run scripts/demo.rsx`.
publish ../build/NAME.rbc
account alice
call alice NAME::bump
call alice NAME::bump
expect success
expect field alice NAME::Counter.value == 2
view NAME::value alice
