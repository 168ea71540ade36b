# Publishes this package (`..`: the folder above this script, compiled with
# its dependencies), bumps alice's counter twice and views it.
publish ..
account alice
call alice NAME::bump
call alice NAME::bump
expect success
expect field alice NAME::Counter.value == 2
view NAME::value alice
