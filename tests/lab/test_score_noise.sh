#!/usr/bin/env bash
# The noise scenario through blackout lab run: the verdict scored against the truth.
SCENARIO_NAME=noise
. "$TOP/tests/lab/scorecard.sh"
