#!/usr/bin/env bash
# The routing scenario through blackout lab run: the verdict scored against the truth.
SCENARIO_NAME=routing
. "$TOP/tests/lab/scorecard.sh"
