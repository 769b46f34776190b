#!/usr/bin/env bash
# The documented cron pipeline on one state file, 3,000 messages: see pipeline/one-state.sh.
N=3000
. "$SWD_SOURCE_DIR/tests/cli/pipeline/one-state.sh"
