#!/usr/bin/env bash
# The documented cron pipeline on one state file, 30,000 messages: see pipeline/one-state.sh.
N=30000
. "$SWD_SOURCE_DIR/tests/cli/pipeline/one-state.sh"
