#!/bin/sh
# The README's first command ends here: compile the example users and
# aliases tables with archmail and look up one address in each.
# usage: examples/demo.sh path/to/archmail
set -eu
archmail=${1:-archmail}
here=$(cd "$(dirname "$0")" && pwd)
work=$(dirname "$archmail")/example
rm -rf "$work"
mkdir -p "$work"
cp "$here/main.cf" "$here/users" "$here/aliases" "$work/"
"$archmail" postmap -c "$work" "lmdb:$work/users"
"$archmail" postalias -c "$work" "lmdb:$work/aliases"
printf 'Erin@ArchLinux.org -> '
"$archmail" postmap -c "$work" -q Erin@ArchLinux.org "lmdb:$work/users"
printf 'root -> '
"$archmail" postalias -c "$work" -q root "lmdb:$work/aliases"
