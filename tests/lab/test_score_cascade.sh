#!/usr/bin/env bash
# The cascade scenario through blackout lab run: the verdict scored against the truth.
SCENARIO_NAME=cascade
. "$TOP/tests/lab/scorecard.sh"
