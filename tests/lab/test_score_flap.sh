#!/usr/bin/env bash
# The flap scenario through blackout lab run: the verdict scored against the truth.
SCENARIO_NAME=flap
. "$TOP/tests/lab/scorecard.sh"
