#!/usr/bin/env bash
# The vantage-local scenario through blackout lab run: the verdict scored against the truth.
SCENARIO_NAME=vantage-local
. "$TOP/tests/lab/scorecard.sh"
