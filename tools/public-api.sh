#!/usr/bin/env bash
# Brings each package's PublicAPI.Unshipped.txt up to date with its code: adds the public symbols the
# analyzer reports as undeclared (RS0016), drops the declared ones that no longer exist (RS0017),
# and sorts the file. Review the diff: it is the public API change you are making.
set -euo pipefail
cd "$(dirname "$0")/.."
log=$(mktemp)
trap 'rm -f "$log"' EXIT
for project in src/*/; do
  name=$(basename "$project")
  [ -f "$project/PublicAPI.Unshipped.txt" ] || continue
  dotnet build "$project/$name.csproj" -c Release --no-incremental -p:TreatWarningsAsErrors=false >"$log" 2>&1 || true
  unshipped="$project/PublicAPI.Unshipped.txt"
  added=$(grep "RS0016" "$log" | grep "/$name.csproj" | grep -oE "Symbol '[^']*'" | sed "s/^Symbol '//; s/'$//" | sort -u || true)
  removed=$(grep "RS0017" "$log" | grep "/$name.csproj" | grep -oE "Symbol '[^']*'" | sed "s/^Symbol '//; s/'$//" | sort -u || true)
  { grep -v '^#nullable enable$' "$unshipped" | grep -vxF -f <(printf '%s\n' "$removed") || true; printf '%s\n' "$added"; } \
    | grep -v '^$' | LC_ALL=C sort -u > "$unshipped.new"
  { echo '#nullable enable'; cat "$unshipped.new"; } > "$unshipped"
  rm "$unshipped.new"
  echo "$name: $(printf '%s\n' "$added" | grep -c . || true) added, $(printf '%s\n' "$removed" | grep -c . || true) removed"
done
