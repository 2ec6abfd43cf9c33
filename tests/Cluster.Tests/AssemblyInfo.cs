// Each test runs its own etcd and server processes, and several assert timings (deadlines, failover within 10 s): run
// side by side on a 2-core CI machine they would starve each other, so the classes take turns.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
