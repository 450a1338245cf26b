#!/usr/bin/env bash
# The README's walkthrough with the `aws` command line, as a script, so the
# README and the test that runs it (e2e/cli_test.go) cannot drift apart.
#
# With a server running (`strato serve`), in another shell:
#
#   eval "$(strato env)"
#   scripts/walkthrough.sh
#
# It launches a guest whose user data traps SIGTERM and writes a note on its
# root volume, stops it, starts it again, shows through the console output
# that the note survived the stop, and terminates it. It takes the AWS_*
# environment from its caller and needs nothing but `aws`.
set -euo pipefail

: "${AWS_ENDPOINT_URL:?set the environment first: eval \"\$(strato env)\"}"
export AWS_PAGER="" # aws CLI v2 would page JSON through less

id=""
work=$(mktemp -d)
cleanup() {
  local rc=$?
  if [[ $rc -ne 0 && -n "$id" ]]; then
    echo "walkthrough failed; terminating $id" >&2
    aws ec2 terminate-instances --instance-ids "$id" >/dev/null 2>&1 || true
  fi
  rm -rf "$work"
  exit "$rc"
}
trap cleanup EXIT

# show prints a command the way the README quotes it, quoting what a shell
# would need quoted.
show() {
  local line="" a
  for a in "$@"; do
    if [[ "$a" =~ ^[A-Za-z0-9_./:=,@+-]+$ ]]; then
      line+=" $a"
    else
      line+=" '${a//\'/\'\\\'\'}'"
    fi
  done
  printf '\n$%s\n' "$line"
}
run() {
  show "$@"
  "$@"
}

state() {
  aws ec2 describe-instances --instance-ids "$1" \
    --query 'Reservations[0].Instances[0].State.Name' --output text
}

# await ID STATE polls every half second for up to two minutes. The CLI's own
# waiters poll every 15 s; each is run once the state is reached, when it
# returns on its first poll.
await() {
  local now=""
  for _ in $(seq 240); do
    now=$(state "$1")
    [[ "$now" == "$2" ]] && return 0
    sleep 0.5
  done
  echo "instance $1 did not reach $2 within 2 minutes (it is $now)" >&2
  return 1
}

cd "$work"
printf '\n$ cat > job.sh <<'\''SH'\''\n'
cat > job.sh <<'JOB'
echo "boot $(date -u +%T), files: $(cat note.txt 2>/dev/null)"
trap 'echo "saved at stop" > note.txt; sync; exit 0' TERM
while :; do sleep 1; done
JOB
cat job.sh
echo SH

launch=(aws ec2 run-instances --image-id ami-0000000000000000a --instance-type t3.micro
  --user-data file://job.sh --query 'Instances[0].InstanceId' --output text)
show "${launch[@]}"
id=$("${launch[@]}")
echo "$id"

await "$id" running
run aws ec2 wait instance-running --instance-ids "$id"
run aws ec2 describe-instances --instance-ids "$id" \
  --query 'Reservations[0].Instances[0].[State.Name,PrivateIpAddress,PublicIpAddress]' --output text

run aws ec2 stop-instances --instance-ids "$id"
await "$id" stopped
run aws ec2 wait instance-stopped --instance-ids "$id"

run aws ec2 start-instances --instance-ids "$id"
await "$id" running
run aws ec2 wait instance-running --instance-ids "$id"

show aws ec2 get-console-output --instance-id "$id" --output text
out=""
for _ in $(seq 60); do
  out=$(aws ec2 get-console-output --instance-id "$id" --output text)
  grep -q 'files: saved at stop' <<<"$out" && break
  sleep 0.5
done
printf '%s\n' "$out"
if ! grep -q 'files: saved at stop' <<<"$out"; then
  echo "the note written at stop is not on the volume after start" >&2
  exit 1
fi

run aws ec2 terminate-instances --instance-ids "$id"
await "$id" terminated
run aws ec2 wait instance-terminated --instance-ids "$id"

echo
echo "walkthrough: OK ($id ran, stopped, started with its volume intact, and terminated)"
