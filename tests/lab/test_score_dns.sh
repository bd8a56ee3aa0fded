#!/usr/bin/env bash
# The dns scenario through blackout lab run: the verdict scored against the truth.
SCENARIO_NAME=dns
. "$TOP/tests/lab/scorecard.sh"
