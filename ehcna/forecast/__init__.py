"""The outlook: timeliness forecast from demand and capacity (../shared/design/forecasting.md).

``history`` reads what the store held at a date; ``calibration`` learns the rates, capacities and
times from it; ``engine`` replays the casework from every open case many times (Monte Carlo);
``scenario`` says what a what-if changes; ``outlook`` puts them together, with the backtest;
``synthetic`` makes a history from a known process (the tests' known truth, the bench, the demo).
Whether a plan or an advice is in time is decided by ``domain`` (the KPIs' own rules).
"""
