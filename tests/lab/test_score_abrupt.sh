#!/usr/bin/env bash
# The abrupt scenario through blackout lab run: the verdict scored against the truth.
SCENARIO_NAME=abrupt
. "$TOP/tests/lab/scorecard.sh"
