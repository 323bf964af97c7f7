#include "CKernels.h"

#if defined(__unix__) || defined(__APPLE__)
#include <pthread.h>
#include <sched.h>

// One worker thread that runs the second half of a two-way split (the caller runs the first).
// Between jobs it waits actively for a short while before sleeping: the products of a training step come
// back to back, and waking a sleeping thread costs more than a small product. Dispatch's
// concurrentPerform woke a pool thread for every product.
//
// Only one caller at a time uses the worker; a second caller (another thread training its own
// model) finds it busy and runs both halves itself.

static pthread_once_t once = PTHREAD_ONCE_INIT;
static pthread_mutex_t mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t work_ready = PTHREAD_COND_INITIALIZER;
static pthread_cond_t work_done = PTHREAD_COND_INITIALIZER;
static int started = 0;

static long busy = 0;          // a caller owns the worker
static long generation = 0;    // bumped for each job
static long finished = 0;      // the generation the worker finished last
static int worker_sleeping = 0, caller_sleeping = 0;
static ck_task job_task = 0;
static void *job_context = 0;

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

static void *worker_main(void *unused) {
    (void)unused;
    long seen = 0;
    for (;;) {
        long g;
        int spins = 0;
        while ((g = __atomic_load_n(&generation, __ATOMIC_SEQ_CST)) == seen) {
            if (++spins < SPINS) { relax(spins); continue; }
            pthread_mutex_lock(&mutex);
            __atomic_store_n(&worker_sleeping, 1, __ATOMIC_SEQ_CST);
            while ((g = __atomic_load_n(&generation, __ATOMIC_SEQ_CST)) == seen) pthread_cond_wait(&work_ready, &mutex);
            __atomic_store_n(&worker_sleeping, 0, __ATOMIC_SEQ_CST);
            pthread_mutex_unlock(&mutex);
            break;
        }
        seen = g;
        job_task(job_context, 1);
        __atomic_store_n(&finished, g, __ATOMIC_SEQ_CST);
        if (__atomic_load_n(&caller_sleeping, __ATOMIC_SEQ_CST)) {
            pthread_mutex_lock(&mutex);
            pthread_cond_signal(&work_done);
            pthread_mutex_unlock(&mutex);
        }
    }
    return 0;
}

// A child of fork() has no worker thread: it runs both halves itself.
static void forget_worker_in_child(void) {
    started = 0;
    busy = 0;
}

static void start_worker(void) {
    pthread_atfork(0, 0, forget_worker_in_child);
    pthread_t thread;
    pthread_attr_t attributes;
    pthread_attr_init(&attributes);
    pthread_attr_setdetachstate(&attributes, PTHREAD_CREATE_DETACHED);
    started = pthread_create(&thread, &attributes, worker_main, 0) == 0;
    pthread_attr_destroy(&attributes);
}

void ck_parallel2(ck_task task, void *context) {
    pthread_once(&once, start_worker);
    long expected = 0;
    if (!started || !__atomic_compare_exchange_n(&busy, &expected, 1, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {
        task(context, 0);
        task(context, 1);
        return;
    }
    job_task = task;
    job_context = context;
    long g = __atomic_add_fetch(&generation, 1, __ATOMIC_SEQ_CST);
    if (__atomic_load_n(&worker_sleeping, __ATOMIC_SEQ_CST)) {
        pthread_mutex_lock(&mutex);
        pthread_cond_signal(&work_ready);
        pthread_mutex_unlock(&mutex);
    }
    task(context, 0);
    int spins = 0;
    while (__atomic_load_n(&finished, __ATOMIC_SEQ_CST) != g) {
        if (++spins < SPINS) { relax(spins); continue; }
        pthread_mutex_lock(&mutex);
        __atomic_store_n(&caller_sleeping, 1, __ATOMIC_SEQ_CST);
        while (__atomic_load_n(&finished, __ATOMIC_SEQ_CST) != g) pthread_cond_wait(&work_done, &mutex);
        __atomic_store_n(&caller_sleeping, 0, __ATOMIC_SEQ_CST);
        pthread_mutex_unlock(&mutex);
        break;
    }
    __atomic_store_n(&busy, 0, __ATOMIC_SEQ_CST);
}

#else
void ck_parallel2(ck_task task, void *context) {
    task(context, 0);
    task(context, 1);
}
#endif
