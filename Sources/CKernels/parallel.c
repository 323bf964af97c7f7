#if defined(__linux__) && !defined(_GNU_SOURCE)
#define _GNU_SOURCE   // sched_getaffinity, CPU_COUNT
#endif
#include "CKernels.h"
#include <stdlib.h>

// A pool of persistent worker threads, one fewer than the threads a job may use: the caller takes
// part. `ck_parallel_for(task, context, count)` runs task(context, i) for every i in 0..<count;
// each thread (the caller and whichever workers are awake) claims the next unclaimed index until
// none is left, so a worker that is slow to wake (a loaded machine) leaves its share to the
// others instead of holding the job up. Which thread runs an index never changes what it
// computes: the callers split their work into parts that do not depend on the thread count.
//
// Between jobs a worker waits actively for a short while before sleeping: the products of a
// training step come back to back, and waking a sleeping thread costs more than a small product.
//
// Only one caller at a time uses the pool; a second caller (another thread training its own
// model, or a task of a job calling again) finds it busy and runs all its indices itself, and so
// does the child of a fork(), which has no workers.

enum { MAX_THREADS = 64 };

#if defined(__unix__) || defined(__APPLE__)
#include <pthread.h>
#include <sched.h>
#include <unistd.h>
#if defined(__APPLE__)
#include <sys/types.h>
#include <sys/sysctl.h>
#endif

// AUTOGRAD_THREADS: a whole number from 1 (everything on the caller) up; 0 when absent or not one.
static int parse_threads(const char *text) {
    if (!text || !*text) return 0;
    char *end = 0;
    long value = strtol(text, &end, 10);
    if (*end != 0 || value < 1) return 0;
    return value > MAX_THREADS ? MAX_THREADS : (int)value;
}

// The cores this process may run on: on Apple silicon the performance cores (the efficiency
// cores would hold every split job up), else the active ones; on Linux the affinity mask (what
// taskset or a container's cpuset allows), else the online processors.
static int machine_threads(void) {
#if defined(__APPLE__)
    int value = 0;
    size_t size = sizeof value;
    if (sysctlbyname("hw.perflevel0.physicalcpu", &value, &size, 0, 0) == 0 && value > 0) return value;
    value = 0;
    size = sizeof value;
    if (sysctlbyname("hw.activecpu", &value, &size, 0, 0) == 0 && value > 0) return value;
#elif defined(__linux__)
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof set, &set) == 0) {
        int count = CPU_COUNT(&set);
        if (count > 0) return count;
    }
#endif
    long online = sysconf(_SC_NPROCESSORS_ONLN);
    return online > 0 ? (int)online : 1;
}

static pthread_once_t once = PTHREAD_ONCE_INIT;
static pthread_mutex_t mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t work_ready = PTHREAD_COND_INITIALIZER;
static pthread_cond_t work_done = PTHREAD_COND_INITIALIZER;
static int pool_size = 1;      // the caller and the workers started (AUTOGRAD_THREADS, else the cores; read once)
static int workers = 0;        // worker threads running (0 in a forked child)

// The job. `ticket` holds the job's generation (high bits) and the next unclaimed index (low
// bits); a thread claims index i by moving the ticket from (g, i) to (g, i + 1), so it can never
// claim an index of a job other than the one whose task it read. A finished job's ticket is
// closed, (g, INDEX_MASK), before the next job's task is written. Every access is atomic.
enum { INDEX_BITS = 24 };
#define INDEX_MASK ((1ULL << INDEX_BITS) - 1)
static long busy = 0;                    // a caller owns the pool
static unsigned long long ticket = 0;
static ck_task job_task = 0;
static void *job_context = 0;
static long job_count = 0;
static long job_done = 0;                // indices finished
static int sleeping_workers = 0, caller_sleeping = 0;

// Waiting: a few hundred pause instructions, then yielding the processor (so that on a machine
// with more runnable threads than cores the thread being waited for gets to run: pure spinning
// made a loaded 2-core machine ten times slower), then sleeping on a condition variable.
enum { PAUSES = 256, SPINS = 256 + 64 };

static inline void relax(int spins) {
    if (spins < PAUSES) {
#if defined(__x86_64__) || defined(__i386__)
        __builtin_ia32_pause();
#elif defined(__aarch64__)
        __asm__ __volatile__("yield");
#endif
    } else {
        sched_yield();
    }
}

#define LOAD(x) __atomic_load_n(&(x), __ATOMIC_SEQ_CST)
#define STORE(x, v) __atomic_store_n(&(x), (v), __ATOMIC_SEQ_CST)

// Claims and runs indices of the job of `generation` until none is left.
static void run_indices(unsigned long long generation) {
    for (;;) {
        unsigned long long t = LOAD(ticket);
        if (t >> INDEX_BITS != generation) return;
        // Read after the ticket: this job's task or a later one's; the claim below fails if later.
        ck_task task = LOAD(job_task);
        void *context = LOAD(job_context);
        long count = LOAD(job_count);
        long index = (long)(t & INDEX_MASK);
        if (index >= count) return;
        if (!__atomic_compare_exchange_n(&ticket, &t, t + 1, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) continue;
        task(context, index);
        if (__atomic_add_fetch(&job_done, 1, __ATOMIC_SEQ_CST) == count && LOAD(caller_sleeping)) {
            pthread_mutex_lock(&mutex);
            pthread_cond_signal(&work_done);
            pthread_mutex_unlock(&mutex);
        }
    }
}

static void *worker_main(void *unused) {
    (void)unused;
    unsigned long long seen = 0;
    for (;;) {
        unsigned long long g;
        int spins = 0;
        while ((g = LOAD(ticket) >> INDEX_BITS) == seen) {
            if (++spins < SPINS) { relax(spins); continue; }
            pthread_mutex_lock(&mutex);
            __atomic_add_fetch(&sleeping_workers, 1, __ATOMIC_SEQ_CST);
            while ((g = LOAD(ticket) >> INDEX_BITS) == seen) pthread_cond_wait(&work_ready, &mutex);
            __atomic_sub_fetch(&sleeping_workers, 1, __ATOMIC_SEQ_CST);
            pthread_mutex_unlock(&mutex);
            break;
        }
        seen = g;
        run_indices(g);
    }
    return 0;
}

// A child of fork() has no worker threads: it runs every index itself.
static void forget_workers_in_child(void) {
    STORE(workers, 0);
    STORE(busy, 0);
}

static void start_pool(void) {
    int wanted = parse_threads(getenv("AUTOGRAD_THREADS"));
    if (wanted == 0) {
        wanted = machine_threads();
        if (wanted > MAX_THREADS) wanted = MAX_THREADS;
    }
    pthread_atfork(0, 0, forget_workers_in_child);
    pthread_attr_t attributes;
    pthread_attr_init(&attributes);
    pthread_attr_setdetachstate(&attributes, PTHREAD_CREATE_DETACHED);
    int started = 0;
    for (int i = 1; i < wanted; i++) {
        pthread_t thread;
        if (pthread_create(&thread, &attributes, worker_main, 0) != 0) break;
        started++;
    }
    pthread_attr_destroy(&attributes);
    pool_size = started + 1;
    STORE(workers, started);
}

int ck_thread_count(void) {
    pthread_once(&once, start_pool);
    return pool_size;
}

void ck_parallel_for(ck_task task, void *context, long count) {
    if (count <= 0) return;
    pthread_once(&once, start_pool);
    long expected = 0;
    if (count == 1 || (unsigned long long)count >= INDEX_MASK || LOAD(workers) == 0
        || !__atomic_compare_exchange_n(&busy, &expected, 1, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {
        for (long i = 0; i < count; i++) task(context, i);
        return;
    }
    unsigned long long generation = (LOAD(ticket) >> INDEX_BITS) + 1;
    STORE(job_task, task);
    STORE(job_context, context);
    STORE(job_count, count);
    STORE(job_done, 0);
    STORE(ticket, generation << INDEX_BITS);
    int sleepers = LOAD(sleeping_workers);
    if (sleepers > 0) {
        // Wake as many as can find an index (the caller takes one).
        pthread_mutex_lock(&mutex);
        for (long i = 0; i < sleepers && i < count - 1; i++) pthread_cond_signal(&work_ready);
        pthread_mutex_unlock(&mutex);
    }
    run_indices(generation);
    int spins = 0;
    while (LOAD(job_done) != count) {
        if (++spins < SPINS) { relax(spins); continue; }
        pthread_mutex_lock(&mutex);
        STORE(caller_sleeping, 1);
        while (LOAD(job_done) != count) pthread_cond_wait(&work_done, &mutex);
        STORE(caller_sleeping, 0);
        pthread_mutex_unlock(&mutex);
        break;
    }
    STORE(ticket, (generation << INDEX_BITS) | INDEX_MASK);   // closed
    STORE(busy, 0);
}

#else
int ck_thread_count(void) { return 1; }

void ck_parallel_for(ck_task task, void *context, long count) {
    for (long i = 0; i < count; i++) task(context, i);
}
#endif

void ck_parallel2(ck_task task, void *context) { ck_parallel_for(task, context, 2); }
