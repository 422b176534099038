"""The outlook: timeliness forecast from demand and capacity (../shared/design/forecasting.md).

``history`` reads what the store held at a date (exceptions too, as recorded by then); ``calibration``
learns the rates, capacities and times from it; ``engine`` is a discrete-event simulation (SimPy) of the
casework as a queueing network (the provider teams and the case officers its servers), replayed from
every open case many times (Monte Carlo, aggregated with numpy);
``scenario`` says what a what-if changes; ``outlook`` puts them together, with the backtest;
``synthetic`` makes a history from a known process (the tests' known truth, the bench, the demo).
Whether a plan or an advice is in time is decided by ``domain`` (the KPIs' own rules).
"""
