#!/usr/bin/env bash
# Builds the .deb as `make package` does and checks what a packing PC would get from it:
# the files, the conffile, the runtime dependencies, the maintainer scripts, and the unit
# as systemd itself judges it (verify, and a security exposure of at most 2.0).
set -euo pipefail
build=$(cd "$1" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

cd "$build"
cpack -G DEB -B "$work/out" > "$work/cpack.log" 2>&1 || { cat "$work/cpack.log"; fail "cpack"; }
deb=$(ls "$work"/out/stationd_*.deb | head -n1)
[ -f "$deb" ] || fail "no .deb produced"
echo "package: $(basename "$deb") ($(stat -c %s "$deb") bytes)"

contents=$(dpkg-deb -c "$deb" | awk '{print $NF}')
for f in ./usr/bin/stationd ./usr/bin/stationctl ./usr/lib/systemd/system/stationd.service \
         ./usr/lib/udev/rules.d/60-stationd.rules ./usr/lib/sysusers.d/stationd.conf \
         ./usr/lib/tmpfiles.d/stationd.conf ./etc/stationd/station.toml \
         ./usr/share/doc/stationd/README.md ./usr/share/doc/stationd/api.md \
         ./usr/share/stationd/screens/packing.html ./usr/share/stationd/screens/returns.html \
         ./usr/share/stationd/screens/supervisor.html ./usr/share/stationd/screens/common.js \
         ./usr/share/stationd/screens/style.css; do
    grep -qx "$f" <<<"$contents" || fail "$f missing from the package"
done
dpkg-deb -I "$deb" conffiles | grep -qx /etc/stationd/station.toml \
    || fail "/etc/stationd/station.toml is not a conffile"
depends=$(dpkg-deb -f "$deb" Depends)
for lib in libsqlite3 libsystemd0 libstdc++6 systemd udev; do
    grep -q "$lib" <<<"$depends" || fail "Depends lacks $lib: $depends"
done
for script in postinst prerm postrm; do
    dpkg-deb -I "$deb" "$script" >/dev/null || fail "no $script"
done
dpkg-deb -I "$deb" postinst | grep -q "systemctl enable stationd.service" \
    || fail "postinst does not enable the service"
dpkg-deb -I "$deb" postinst | grep -q "systemd-sysusers" || fail "postinst does not create the user"

# Unpacked into a throwaway root: the binary there runs, and the shipped config is valid.
root="$work/root"
dpkg-deb -x "$deb" "$root"
"$root/usr/bin/stationd" --version | grep -q stationd || fail "packaged stationd does not run"
"$root/usr/bin/stationd" --check-config "$root/etc/stationd/station.toml" \
    || fail "the packaged default config is not valid"

# The screens: within their size budget, and served by the packaged stationd from where it
# looks for them (<bin>/../share/stationd/screens), with no [api] screens_dir set.
screens_bytes=$(du -cb "$root"/usr/share/stationd/screens/* | tail -n1 | cut -f1)
echo "screens: $screens_bytes bytes (goal <= 204800)"
[ "$screens_bytes" -le 204800 ] || fail "the screens weigh $screens_bytes bytes, over 200 KB"
free_port() {
    local port
    while :; do
        port=$((20000 + RANDOM % 40000))
        (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return; }
    done
}
served=""
# A port found free may be taken by another test before stationd binds it: pick others then.
for _attempt in 1 2 3; do
    api_port=$(free_port)
    scanner_port=$(free_port)
    sed -e "s/^port = 8080$/port = $api_port/" -e "s/^port = 9101$/port = $scanner_port/" \
        "$root/etc/stationd/station.toml" > "$work/station.toml"
    "$root/usr/bin/stationd" --config "$work/station.toml" --data-dir "$work/data" \
        > "$work/stationd.log" 2>&1 &
    daemon=$!
    for _ in $(seq 100); do
        if served=$(curl -sf "http://127.0.0.1:$api_port/screens/packing.html" 2>/dev/null); then
            break
        fi
        kill -0 "$daemon" 2>/dev/null || break
        sleep 0.1
    done
    kill "$daemon" 2>/dev/null || true
    wait "$daemon" 2>/dev/null || true
    grep -q 'Address already in use' "$work/stationd.log" || break
done
grep -q 'packing.js' <<<"$served" || { cat "$work/stationd.log"; fail "the packaged stationd does not serve /screens/packing.html"; }

# The unit, and an instance of the per-desk template (stationd@DESK.service) made from it.
[ -f "$root/usr/lib/systemd/system/stationd@.service" ] || fail "no stationd@.service template"
grep -q -- '--config /etc/stationd/%i.toml --data-dir /var/lib/stationd/%i' \
    "$root/usr/lib/systemd/system/stationd@.service" \
    || fail "stationd@.service does not run /etc/stationd/DESK.toml in /var/lib/stationd/DESK"
cp "$root/usr/lib/systemd/system/stationd@.service" "$work/stationd@returns.service"
for name in stationd.service stationd@returns.service; do
    systemd-analyze verify --root="$root" "/usr/lib/systemd/system/$name" 2>&1 \
        | grep -v -e "Failed to open /etc/systemd" -e "^$" > "$work/verify.log" || true
    if grep -qiE "error|invalid|unknown|not executable" "$work/verify.log"; then
        cat "$work/verify.log"
        fail "systemd-analyze verify complains about $name"
    fi
    unit="$root/usr/lib/systemd/system/stationd.service"
    [ "$name" = stationd.service ] || unit="$work/$name"
    exposure=$(systemd-analyze security --offline=true "$unit" 2>/dev/null \
        | sed -n "s/.*Overall exposure level for $name: \\([0-9.]*\\).*/\\1/p")
    [ -n "$exposure" ] || fail "systemd-analyze security gave no exposure level for $name"
    awk -v e="$exposure" 'BEGIN { exit !(e <= 2.0) }' || fail "$name: exposure $exposure is above 2.0"
    echo "systemd-analyze security: $name exposure $exposure (goal <= 2.0)"
done
echo "package checks: 1 passed, 0 failed"
