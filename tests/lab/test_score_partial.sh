#!/usr/bin/env bash
# The partial scenario through blackout lab run: the verdict scored against the truth.
SCENARIO_NAME=partial
. "$TOP/tests/lab/scorecard.sh"
