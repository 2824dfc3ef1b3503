"""A real single-node SLURM cluster for tests, started from Debian's
``slurmctld slurmd slurm-client munge`` (``.ci/run`` installs them).

Runs as root with ``ProctrackType=proctrack/linuxproc`` and
``TaskPlugin=task/none``, its own config, state and ports under a temporary
directory; every slurm command must see ``SLURM_CONF`` (``cluster.env``).
Used as the ``slurm_cluster`` fixture (conftest.py).
"""
import os
import shutil
import socket
import subprocess
import time

BINARIES = ('munged', 'slurmctld', 'slurmd', 'srun', 'sbatch', 'scontrol',
            'sinfo', 'squeue', 'scancel')


def missing_binaries():
    return [b for b in BINARIES if shutil.which(b) is None and
            not os.path.exists(f'/usr/sbin/{b}')]


def _free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


class SlurmCluster:
    partition = 'debug'

    def __init__(self, root: str, cpus: int = 4):
        self.root = root
        self.cpus = cpus
        self.host = socket.gethostname().split('.')[0]
        self.conf = os.path.join(root, 'slurm.conf')
        self.env = dict(os.environ, SLURM_CONF=self.conf)
        self.procs = []

    def _write_conf(self):
        for d in ('state', 'spool', 'log'):
            os.makedirs(os.path.join(self.root, d), exist_ok=True)
        r = self.root
        # CPUs may exceed the cores: config_overrides lets jobs of 2 tasks
        # run side by side on a 2-core machine (oversubscribed, slower)
        text = f"""
ClusterName=focaltest
SlurmctldHost={self.host}(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
SlurmctldPort={_free_port()}
SlurmdPort={_free_port()}
StateSaveLocation={r}/state
SlurmdSpoolDir={r}/spool
SlurmctldPidFile={r}/slurmctld.pid
SlurmdPidFile={r}/slurmd.pid
SlurmctldLogFile={r}/log/slurmctld.log
SlurmdLogFile={r}/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SlurmdParameters=config_overrides
ReturnToService=2
JobRequeue=1
# arrays of at most 4 tasks: the sweep splits larger ones, as it must on
# clusters whose MaxArraySize is low
MaxArraySize=4
MpiDefault=none
KillWait=5
InactiveLimit=0
MinJobAge=300
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
NodeName={self.host} NodeAddr=127.0.0.1 CPUs={self.cpus} State=UNKNOWN
PartitionName={self.partition} Nodes={self.host} Default=YES MaxTime=INFINITE State=UP
"""
        with open(self.conf, 'w') as f:
            f.write(text.lstrip())

    def _start_munge(self):
        if subprocess.run(['munge', '-n'], capture_output=True).returncode == 0:
            return  # a munged already answers
        os.makedirs('/run/munge', exist_ok=True)
        subprocess.run(['chown', 'munge:munge', '/run/munge'], check=False)
        # A munged started meanwhile by another process makes this one exit
        # with "Failed to lock"; the loop below then finds that one answering.
        started = subprocess.run(['runuser', '-u', 'munge', '--', 'munged'],
                                 capture_output=True, text=True)
        for _ in range(50):
            if subprocess.run(['munge', '-n'],
                              capture_output=True).returncode == 0:
                return
            time.sleep(0.1)
        raise RuntimeError('munged did not start: ' + started.stderr.strip())

    def start(self, timeout: float = 60):
        self._write_conf()
        self._start_munge()
        for cmd in (['slurmctld', '-D', '-c', '-i'],
                    ['slurmd', '-D', '-N', self.host]):
            log = open(os.path.join(self.root, 'log',
                                    cmd[0] + '.stdout'), 'w')
            self.procs.append(subprocess.Popen(
                cmd, env=self.env, stdout=log, stderr=subprocess.STDOUT))
        deadline = time.time() + timeout
        state = ''
        while time.time() < deadline:
            out = subprocess.run(['sinfo', '-h', '-o', '%t'], env=self.env,
                                 capture_output=True, text=True)
            state = out.stdout.strip()
            if state in ('idle', 'mix', 'alloc'):
                return self
            if any(p.poll() is not None for p in self.procs):
                break
            time.sleep(0.5)
        self.stop()
        raise RuntimeError(f'SLURM did not come up (sinfo: {state!r}); logs '
                           f'in {self.root}/log: ' + self.logs())

    def logs(self) -> str:
        out = []
        for name in sorted(os.listdir(os.path.join(self.root, 'log'))):
            with open(os.path.join(self.root, 'log', name)) as f:
                out.append(f'--- {name}\n' + f.read()[-2000:])
        return '\n'.join(out)

    def run(self, cmd, **kwargs):
        kwargs.setdefault('env', self.env)
        kwargs.setdefault('capture_output', True)
        kwargs.setdefault('text', True)
        return subprocess.run(cmd, **kwargs)

    def wait_job(self, job_id: str, timeout: float = 600) -> str:
        """Wait until ``job_id`` (and its array tasks) left the queue."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            out = self.run(['squeue', '-h', '-j', str(job_id), '-o', '%T'])
            if not out.stdout.strip():
                return 'done'
            time.sleep(1)
        raise TimeoutError(f'job {job_id} still queued after {timeout}s')

    def requeue(self, job_id: str, timeout: float = 120):
        """``scontrol requeue`` a running job (or array task ``A_i``) and let
        it start again at once.  SLURM holds a requeued job's begin time
        back (about 2 min), which is not what the tests are about; the
        release waits 10 s after the job is pending again, for slurmd to
        finish cleaning up the killed instance (or it refuses the relaunch:
        "Job N already killed, do not launch")."""
        req = self.run(['scontrol', 'requeue', str(job_id)])
        if req.returncode != 0:
            raise RuntimeError(f'scontrol requeue {job_id}: {req.stderr}')
        deadline = time.time() + timeout
        while time.time() < deadline:
            state = self.run(['squeue', '-h', '-j', str(job_id), '-o', '%T'])
            if state.stdout.strip() == 'PENDING':
                time.sleep(10)
                self.run(['scontrol', 'update', f'JobId={job_id}',
                          'StartTime=now'])
                return
            time.sleep(0.5)
        raise TimeoutError(f'requeued job {job_id} not pending after '
                           f'{timeout}s')

    def release_requeued(self, job_id: str, timeout: float = 600,
                         settle: float = 10.0) -> None:
        """Wait until ``job_id`` (all its array tasks) left the queue,
        letting every task that requeued itself start again ``settle`` s
        after it is pending (SLURM holds a requeued job's begin time back
        by about 2 min; see :meth:`requeue`)."""
        deadline = time.time() + timeout
        seen: dict = {}
        while time.time() < deadline:
            out = self.run(['squeue', '-h', '-j', str(job_id), '-o',
                            '%i %T %r'])
            lines = [ln.split() for ln in out.stdout.splitlines()
                     if ln.strip()]
            if not lines:
                return
            now = time.time()
            for task, state, *reason in lines:
                if state == 'PENDING' and 'BeginTime' in ' '.join(reason):
                    since = seen.setdefault(task, now)
                    if now - since >= settle:
                        self.run(['scontrol', 'update', f'JobId={task}',
                                  'StartTime=now'])
                        seen.pop(task)
                else:
                    seen.pop(task, None)
            time.sleep(1)
        raise TimeoutError(f'job {job_id} still queued after {timeout}s')

    def stop(self):
        self.run(['scancel', '--full', '-u', 'root'])
        for p in self.procs:
            p.terminate()
        for p in self.procs:
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
        self.procs = []
