#!/usr/bin/env bash
# The README's SageMaker notebook walkthrough with the `aws` command line, as
# a script the end-to-end tests run (e2e/cli_test.go).
#
# With a server running (`strato serve`), in another shell:
#
#   eval "$(strato env)"
#   scripts/notebook-walkthrough.sh
#
# It makes a lifecycle configuration whose OnStart script appends a line to
# a file on the ML storage volume, creates a notebook instance with it,
# reads the file through the notebook's Jupyter server (presigned URL,
# curl), stops and starts the notebook, reads the file again (two lines:
# the volume survived), and deletes everything. It needs `aws` and `curl`.
set -euo pipefail

: "${AWS_ENDPOINT_URL:?set the environment first: eval \"\$(strato env)\"}"
export AWS_PAGER=""

nb=walkthrough-$RANDOM
cfg=$nb-config
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# wait_for STATUS: poll the notebook's status (`aws sagemaker wait …` does
# the same, every 30 s).
wait_for() {
  for _ in $(seq 1 120); do
    s=$(aws sagemaker describe-notebook-instance --notebook-instance-name "$nb" \
      --query NotebookInstanceStatus --output text)
    echo "status: $s"
    [[ $s == "$1" ]] && return 0
    [[ $s == Failed ]] && { aws sagemaker describe-notebook-instance --notebook-instance-name "$nb" --query FailureReason; return 1; }
    sleep 1
  done
  return 1
}

# read_starts: open the presigned URL (a session cookie) and read
# starts.log from the ML volume through Jupyter's contents API.
read_starts() {
  url=$(aws sagemaker create-presigned-notebook-instance-url --notebook-instance-name "$nb" \
    --query AuthorizedUrl --output text)
  tree=$(curl -sSf -c "$work/cookies" -b "$work/cookies" -L -o /dev/null -w '%{url_effective}' "$url")
  curl -sSf -b "$work/cookies" "${tree%tree}api/contents/starts.log" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["content"], end="")'
}

on_start='echo "started $(date -u +%T)" >> /home/ec2-user/SageMaker/starts.log'
aws sagemaker create-notebook-instance-lifecycle-config \
  --notebook-instance-lifecycle-config-name "$cfg" \
  --on-start Content="$(printf '%s\n' "$on_start" | base64 -w0)"
aws sagemaker create-notebook-instance --notebook-instance-name "$nb" \
  --instance-type ml.t3.medium --volume-size-in-gb 5 \
  --role-arn arn:aws:iam::123456789012:role/service-role/SageMakerRole \
  --lifecycle-config-name "$cfg"
wait_for InService
echo "first boot:"; read_starts

aws sagemaker stop-notebook-instance --notebook-instance-name "$nb"
wait_for Stopped
aws sagemaker start-notebook-instance --notebook-instance-name "$nb"
wait_for InService
echo "second boot:"; read_starts | tee "$work/starts"
[[ $(wc -l < "$work/starts") -eq 2 ]] || { echo "starts.log should have two lines" >&2; exit 1; }

aws sagemaker stop-notebook-instance --notebook-instance-name "$nb"
wait_for Stopped
aws sagemaker delete-notebook-instance --notebook-instance-name "$nb"
until ! aws sagemaker describe-notebook-instance --notebook-instance-name "$nb" >/dev/null 2>&1; do sleep 1; done
aws sagemaker delete-notebook-instance-lifecycle-config --notebook-instance-lifecycle-config-name "$cfg"
echo "notebook walkthrough: OK"
