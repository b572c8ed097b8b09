#ifndef OFFLOADKIT_BACKENDS_TCP_SERVER_HPP
#define OFFLOADKIT_BACKENDS_TCP_SERVER_HPP

/**
 * @file
 * @brief The edge-server side of the TCP backend: an epoll server core that accepts many devices
 *        at once, reads their requests (docs/wire-protocol.md), queues them in a bounded FIFO, runs
 *        them on N worker threads through a pluggable handler (frame bytes + resolution -> label,
 *        confidence) and answers each one exactly once, reporting the time it queued and the time
 *        it took, so that devices learn the server time T^o of CBO §IV instead of assuming it.
 *
 * ## Deadlines (CBO: an answer after the deadline is worthless)
 * A request carries a budget relative to the moment its header is read (the clocks of the device
 * and the server share no epoch). Its deadline on the server is that moment + budget. A request
 * whose deadline has passed when its payload is complete, or when a worker picks it up, is not
 * computed: it is answered `expired` at once. A request that finds the queue full is answered
 * `overloaded` at once. Every complete request is answered exactly once — ok, expired, overloaded
 * or failed (the handler threw or returned ok == false or a confidence outside [0, 1]) — unless
 * its client has gone (then nothing is computed or sent).
 *
 * ## Bounded in memory and time
 *  - clients: at most max_clients connections; more are accepted and closed at once.
 *  - a request larger than max_payload_bytes, or any malformed header, closes its connection.
 *  - a request that is not complete within request_timeout of its first byte (a slow-loris peer)
 *    closes its connection; so does a client whose unread answers exceed max_unread_answers or
 *    that has not taken any of them for request_timeout (a peer that never reads).
 *  - memory: at most max_clients requests being read plus max_queue queued, each <= max_payload_bytes;
 *    payload buffers are pooled and reused (no allocation per request once warm); per client at
 *    most max_unread_answers answers in user space and send_buffer in the kernel.
 *
 * ## Threads
 * One I/O thread (epoll, level-triggered, on the listening socket, every client and an eventfd the
 * workers signal) and `workers` worker threads, each with its own handler made by the factory (a
 * model object need not be thread-safe). The handler runs on a worker thread; it must not call
 * back into the server. stats(), port(), clients() and stop() may be called from any thread.
 * The I/O thread accepts, reads requests and queues them; a worker writes its answer to the socket
 * itself (non-blocking, under the connection's output lock) when the connection has no output
 * pending, and otherwise appends it to that output. The I/O thread is woken by a worker only when
 * it has to act: output left over (the kernel took part of it: the I/O thread writes the rest when
 * the socket is writable), a send error, or too many unread answers (it closes the connection).
 * Answers on one connection never interleave: every write, by either thread, is under that lock and
 * continues the pending output before anything newer.
 * Signals: EINTR is retried everywhere; SIGPIPE is never raised (MSG_NOSIGNAL).
 */

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <limits>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "../../error.hpp"
#include "protocol.hpp"
#include "socket.hpp"

namespace offloadkit {

/// One request as the handler sees it.
struct tcp_job {
    std::uint64_t id = 0;                ///< the client's request id
    std::uint16_t resolution = 0;        ///< r
    std::span<const std::byte> payload;  ///< the frame bytes (valid during the call)
};

/// What the handler answers for one request.
struct tcp_verdict {
    std::uint32_t label = 0;       ///< predicted class
    float confidence = 0.0F;       ///< in [0, 1]
    bool ok = true;                ///< false: the request could not be processed (answered `failed`)
};

/// The server model: one request in, one verdict out (runs on one worker thread).
using tcp_handler = std::function<tcp_verdict(const tcp_job&)>;

/// Makes worker `w`'s handler (w = 0 .. workers-1), on the thread constructing the server.
using tcp_handler_factory = std::function<tcp_handler(std::size_t worker)>;

/// Settings of a tcp_server.
struct tcp_server_options {
    std::string host = "127.0.0.1";           ///< address literal to listen on ("0.0.0.0", "::")
    std::uint16_t port = 0;                   ///< 0: the kernel picks one (see port())
    std::size_t workers = 1;                  ///< worker threads, 1..256
    std::size_t max_queue = 64;               ///< requests waiting for a worker, 1..2^20
    std::size_t max_clients = 64;             ///< connections at once, 1..2^16
    std::uint32_t max_payload_bytes = 16u << 20;  ///< largest frame accepted
    std::uint32_t resolutions = 0;            ///< requests must have resolution below this (0: any)
    double request_timeout = 10.0;            ///< a request must arrive whole within this long (s)
    std::size_t max_unread_answers = 1024;    ///< answers a client may leave unread (beyond the kernel's buffer)
    std::size_t send_buffer = 65536;          ///< SO_SNDBUF of each client socket (answers the kernel holds), 4096..2^26
    int backlog = 64;                         ///< listen(2) backlog
};

/// Counters of a tcp_server since construction.
struct tcp_server_stats {
    std::uint64_t clients_accepted = 0;   ///< connections taken
    std::uint64_t clients_refused = 0;    ///< closed at once: max_clients were connected
    std::uint64_t clients_closed = 0;     ///< closed by the peer (end of stream or reset)
    std::uint64_t clients_malformed = 0;  ///< dropped for a malformed request header (wire_errors says which)
    std::uint64_t clients_slow = 0;       ///< dropped: a request took longer than request_timeout to arrive
    std::uint64_t clients_unread = 0;     ///< dropped: too many answers left unread, or none read for request_timeout
    std::array<std::uint64_t, tcp_wire_error_count> wire_errors{};  ///< rejected request headers by error
    std::uint64_t requests = 0;           ///< complete requests read
    std::uint64_t answers = 0;            ///< answers queued for their client (one per request unless it left)
    std::array<std::uint64_t, 4> by_status{};  ///< ... by tcp_status
    std::uint64_t handler_errors = 0;     ///< the handler threw or returned an invalid verdict
    std::uint64_t discarded = 0;          ///< requests whose client left before the answer
    std::size_t max_queue_depth = 0;      ///< the largest queue length seen
    double queue_seconds = 0.0;           ///< summed time requests waited for a worker
    double compute_seconds = 0.0;         ///< summed handler time
};

/**
 * @brief The epoll server core (file comment). Listens at construction; runs until stop() or
 *        destruction.
 * @code
 * ok::tcp_server_options o;  o.port = 0;  o.workers = 2;
 * ok::tcp_server server(o, [](std::size_t) {
 *     return ok::tcp_handler([](const ok::tcp_job& j) { return ok::tcp_verdict{classify(j.payload), 0.9F}; });
 * });
 * std::printf("{\"listening\":%u}\n", server.port());
 * @endcode
 */
class tcp_server {
public:
    /**
     * @brief Validates the options, makes one handler per worker, binds, listens and starts the
     *        threads.
     * @throws offloadkit::invalid_argument naming the option (host not a literal, workers 0 or
     *         above 256, max_queue 0 or above 2^20, max_clients 0 or above 2^16, max_payload_bytes
     *         0, request_timeout not finite and > 0, max_unread_answers 0, send_buffer outside
     *         4096..2^26, backlog < 1), or if the factory is empty or returns an empty handler;
     *         std::system_error if the socket cannot be bound (port in use) or epoll/eventfd fail;
     *         whatever the factory throws.
     */
    tcp_server(tcp_server_options options, const tcp_handler_factory& make_handler) : opt_(std::move(options)) {
        constexpr std::string_view fn = "tcp_server";
        const detail::tcp_sock::address addr = detail::tcp_sock::parse_address(opt_.host, opt_.port, fn);
        detail::require(opt_.workers >= 1 && opt_.workers <= 256, fn, "workers is ", opt_.workers, ", expected 1..256");
        detail::require(opt_.max_queue >= 1 && opt_.max_queue <= (std::size_t{1} << 20), fn, "max_queue is ",
                        opt_.max_queue, ", expected 1..2^20");
        detail::require(opt_.max_clients >= 1 && opt_.max_clients <= 65536, fn, "max_clients is ", opt_.max_clients,
                        ", expected 1..65536");
        detail::require(opt_.max_payload_bytes >= 1, fn, "max_payload_bytes is 0, expected >= 1");
        detail::require_positive(opt_.request_timeout, fn, "request_timeout");
        detail::require(opt_.max_unread_answers >= 1, fn, "max_unread_answers is 0, expected >= 1");
        detail::require(opt_.send_buffer >= 4096 && opt_.send_buffer <= (std::size_t{1} << 26), fn, "send_buffer is ",
                        opt_.send_buffer, ", expected 4096..2^26");
        detail::require(opt_.backlog >= 1, fn, "backlog is ", opt_.backlog, ", expected >= 1");
        detail::require(static_cast<bool>(make_handler), fn, "make_handler is empty");
        for (std::size_t w = 0; w < opt_.workers; ++w) {
            handlers_.push_back(make_handler(w));
            detail::require(static_cast<bool>(handlers_.back()), fn, "make_handler(", w, ") returned an empty handler");
        }
        queue_.resize(opt_.max_queue);

        namespace ts = detail::tcp_sock;
        listen_ = ts::unique_fd(::socket(addr.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
        if (!listen_) {
            ts::throw_errno("tcp_server: socket");
        }
        (void)ts::set_int_option(listen_.get(), SOL_SOCKET, SO_REUSEADDR, 1);
        if (::bind(listen_.get(), addr.get(), addr.length) != 0) {
            ts::throw_errno("tcp_server: bind to " + opt_.host + ":" + std::to_string(opt_.port));
        }
        if (::listen(listen_.get(), opt_.backlog) != 0) {
            ts::throw_errno("tcp_server: listen");
        }
        port_ = ts::local_port(listen_.get());
        epoll_ = ts::unique_fd(::epoll_create1(EPOLL_CLOEXEC));
        wake_ = ts::unique_fd(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
        if (!epoll_ || !wake_) {
            ts::throw_errno("tcp_server: epoll_create1/eventfd");
        }
        watch(listen_.get(), listen_key, EPOLLIN);
        watch(wake_.get(), wake_key, EPOLLIN);

        io_ = std::thread([this] { io_main(); });
        try {
            workers_.reserve(opt_.workers);
            for (std::size_t w = 0; w < opt_.workers; ++w) {
                workers_.emplace_back([this, w] { worker_main(w); });
            }
        } catch (...) {
            stop();  // join what started before rethrowing (no destructor runs for a throwing constructor)
            throw;
        }
    }

    tcp_server(const tcp_server&) = delete;
    tcp_server& operator=(const tcp_server&) = delete;
    tcp_server(tcp_server&&) = delete;
    tcp_server& operator=(tcp_server&&) = delete;

    /// stop().
    ~tcp_server() { stop(); }

    /// The port listened on (the kernel's choice for port 0).
    [[nodiscard]] std::uint16_t port() const noexcept { return port_; }

    /**
     * @brief Stops accepting, closes every connection, discards queued requests and joins the
     *        threads (a handler running now finishes first). Idempotent; from any thread except
     *        the server's own.
     */
    void stop() {
        std::call_once(stop_once_, [this] {
            stop_io_.store(true);
            signal_io();
            if (io_.joinable()) {
                io_.join();
            }
            for (auto& [key, c] : conns_) {  // a handler running now finishes, but its answer is not sent
                const std::lock_guard lk(c->out->m);
                c->out->alive.store(false);
            }
            {
                const std::lock_guard lk(qm_);
                stopping_ = true;
            }
            qcv_.notify_all();
            for (std::thread& t : workers_) {
                if (t.joinable()) {
                    t.join();
                }
            }
            conns_.clear();
        });
    }

    /// A snapshot of the counters (thread-safe).
    [[nodiscard]] tcp_server_stats stats() const {
        const std::lock_guard lk(sm_);
        return stats_;
    }

    /// Connections open now (thread-safe).
    [[nodiscard]] std::size_t clients() const noexcept { return clients_.load(); }

    /// Requests waiting for a worker now (thread-safe).
    [[nodiscard]] std::size_t queue_depth() const {
        const std::lock_guard lk(qm_);
        return count_;
    }

    /// The exception that stopped the I/O thread, if one did (then the server no longer serves).
    [[nodiscard]] std::exception_ptr error() const {
        const std::lock_guard lk(sm_);
        return error_;
    }

private:
    static constexpr std::uint64_t listen_key = 0;
    static constexpr std::uint64_t wake_key = 1;

    /// A connection's output, shared by the I/O thread and the workers (fields under m).
    struct outbox {
        std::mutex m;
        std::atomic<bool> alive{true};  // false once the connection is closed (stored under m)
        int fd = -1;                    // the socket; valid while alive
        std::vector<std::byte> tx;      // answers not yet written
        std::size_t tx_at = 0;
        double tx_since = 0.0;          // when tx last became non-empty or made progress
        bool failed = false;            // a worker's send failed: the I/O thread closes (peer)
        bool overflow = false;          // a worker found too many unread answers: closes (unread)
    };

    struct conn {
        detail::tcp_sock::unique_fd fd;
        std::uint64_t key = 0;
        std::shared_ptr<outbox> out;
        std::array<std::byte, tcp_message_size> header{};
        std::size_t header_len = 0;
        bool in_payload = false;
        tcp_request_header request;
        std::vector<std::byte> payload;
        std::size_t payload_len = 0;
        double header_at = 0.0;
        double started = std::numeric_limits<double>::quiet_NaN();  // first byte of the current request
        bool want_out = false;       // EPOLLOUT is armed
    };

    struct job {
        std::uint64_t key = 0;
        std::shared_ptr<outbox> out;
        std::uint64_t id = 0;
        std::uint16_t resolution = 0;
        std::vector<std::byte> payload;
        double deadline = 0.0;
        double enqueued = 0.0;
    };

    static std::uint32_t to_us(double seconds) noexcept {
        const double us = std::round(seconds * 1e6);
        return !(us > 0.0) ? 0u : us >= 4294967295.0 ? 0xFFFFFFFFu : static_cast<std::uint32_t>(us);
    }

    void watch(int fd, std::uint64_t key, std::uint32_t events) {
        epoll_event ev{};
        ev.events = events;
        ev.data.u64 = key;
        if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &ev) != 0) {
            detail::tcp_sock::throw_errno("tcp_server: epoll_ctl");
        }
    }

    void signal_io() noexcept {
        const std::uint64_t one = 1;
        ssize_t r = 0;
        do {
            r = ::write(wake_.get(), &one, sizeof one);
        } while (r < 0 && errno == EINTR);
    }

    template <class F>
    void with_stats(F&& f) {
        const std::lock_guard lk(sm_);
        f(stats_);
    }

    // ---- the I/O thread --------------------------------------------------------------------------

    void io_main() noexcept {
        try {
            io_loop();
        } catch (...) {
            const std::lock_guard lk(sm_);
            error_ = std::current_exception();
        }
    }

    void io_loop() {
        std::array<epoll_event, 64> events{};
        const int period_ms = static_cast<int>(std::clamp(opt_.request_timeout * 250.0, 1.0, 50.0));
        double last_sweep = detail::tcp_sock::mono_now();
        while (!stop_io_.load()) {
            const int n = ::epoll_wait(epoll_.get(), events.data(), static_cast<int>(events.size()), period_ms);
            if (n < 0 && errno != EINTR) {
                detail::tcp_sock::throw_errno("tcp_server: epoll_wait");
            }
            for (int i = 0; i < n; ++i) {
                const std::uint64_t key = events[static_cast<std::size_t>(i)].data.u64;
                const std::uint32_t ev = events[static_cast<std::size_t>(i)].events;
                if (key == listen_key) {
                    accept_all();
                } else if (key == wake_key) {
                    std::uint64_t v = 0;
                    ssize_t r = 0;
                    do {
                        r = ::read(wake_.get(), &v, sizeof v);
                    } while (r < 0 && errno == EINTR);
                } else {
                    const auto it = conns_.find(key);
                    if (it == conns_.end()) {
                        continue;  // closed earlier in this batch
                    }
                    conn& c = *it->second;
                    if ((ev & (EPOLLIN | EPOLLHUP | EPOLLERR | EPOLLRDHUP)) != 0 && !read_conn(c)) {
                        continue;
                    }
                    if ((ev & EPOLLOUT) != 0) {
                        (void)write_conn(c);
                    }
                }
            }
            attend();
            const double now = detail::tcp_sock::mono_now();
            if (now - last_sweep >= static_cast<double>(period_ms) * 1e-3) {
                last_sweep = now;
                sweep(now);
            }
        }
    }

    void accept_all() {
        for (int k = 0; k < 256; ++k) {
            int fd = -1;
            do {
                fd = ::accept4(listen_.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
            } while (fd < 0 && errno == EINTR);
            if (fd < 0) {
                return;  // EAGAIN, or a connection that died in the backlog (ECONNABORTED), or EMFILE
            }
            detail::tcp_sock::unique_fd s(fd);
            if (conns_.size() >= opt_.max_clients) {
                with_stats([](tcp_server_stats& st) { ++st.clients_refused; });
                continue;  // closed by s's destructor
            }
            (void)detail::tcp_sock::set_int_option(fd, IPPROTO_TCP, TCP_NODELAY, 1);
            (void)detail::tcp_sock::set_int_option(fd, SOL_SOCKET, SO_SNDBUF, static_cast<int>(opt_.send_buffer));
            auto c = std::make_unique<conn>();
            c->fd = std::move(s);
            c->key = next_key_++;
            c->out = std::make_shared<outbox>();
            c->out->fd = c->fd.get();
            watch(c->fd.get(), c->key, EPOLLIN | EPOLLRDHUP);
            conns_.emplace(c->key, std::move(c));
            clients_.store(conns_.size());
            with_stats([](tcp_server_stats& st) { ++st.clients_accepted; });
        }
    }

    enum class close_reason : std::uint8_t { peer, malformed, slow, unread, stopping };

    void close_conn(conn& c, close_reason why) {
        {
            const std::lock_guard lk(c.out->m);  // no worker is writing to the socket now, or will
            c.out->alive.store(false);
            c.out->fd = -1;
        }
        (void)::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, c.fd.get(), nullptr);
        if (c.payload.capacity() != 0) {
            give_buffer(std::move(c.payload));
        }
        with_stats([why](tcp_server_stats& st) {
            switch (why) {
                case close_reason::peer: ++st.clients_closed; break;
                case close_reason::malformed: ++st.clients_malformed; break;
                case close_reason::slow: ++st.clients_slow; break;
                case close_reason::unread: ++st.clients_unread; break;
                case close_reason::stopping: break;
            }
        });
        conns_.erase(c.key);  // destroys c (closes the socket)
        clients_.store(conns_.size());
    }

    /// Reads what is there (at most ~1 MiB per call, for fairness); false if c was closed.
    /// A read shorter than asked means the socket is drained for now (epoll is level-triggered: it
    /// reports the rest when it comes), so no read is spent on EAGAIN after it. A payload is read
    /// together with the header of the request after it (one recvmsg). TCP_QUICKACK is set once
    /// per call, after the last payload byte read in it.
    bool read_conn(conn& c) {
        namespace ts = detail::tcp_sock;
        bool ack = false;  // payload bytes were read: keep the socket in quick-ACK mode
        const auto quickack = [&c, &ack] {
            // The device's uplink measures a transfer by the ACK of its last byte, which a delayed
            // ACK would hold back by up to 40 ms; setting the option also sends a pending ACK now.
            if (ack) {
                (void)ts::set_int_option(c.fd.get(), IPPROTO_TCP, TCP_QUICKACK, 1);
            }
        };
        std::size_t budget = std::size_t{1} << 20;
        while (budget > 0) {
            long n = 0;
            std::size_t want = 0;
            if (!c.in_payload) {
                want = tcp_message_size - c.header_len;
                n = ts::recv_some(c.fd.get(), c.header.data() + c.header_len, want);
            } else {
                want = c.request.payload_bytes - c.payload_len;
                n = recv_payload(c, want);
            }
            if (n == -2) {
                quickack();
                return true;
            }
            if (n <= 0) {
                close_conn(c, close_reason::peer);
                return false;
            }
            const double now = ts::mono_now();
            const auto got = static_cast<std::size_t>(n);
            budget -= std::min(budget, got);
            if (!c.in_payload) {
                if (c.header_len == 0) {
                    c.started = now;
                }
                c.header_len += got;
                if (c.header_len < tcp_message_size) {
                    quickack();
                    return true;  // short read: drained
                }
                if (!begin_payload(c, now)) {
                    return false;
                }
                continue;
            }
            ack = true;
            const std::size_t body = std::min(got, want);
            c.payload_len += body;
            if (c.payload_len == c.request.payload_bytes) {
                c.in_payload = false;
                c.started = std::numeric_limits<double>::quiet_NaN();
                c.header_len = got - body;  // bytes of the next header read with the payload
                if (c.header_len > 0) {
                    c.started = now;
                }
                if (!on_request(c, now)) {
                    return false;
                }
                if (c.header_len == tcp_message_size && !begin_payload(c, now)) {
                    return false;  // the next header, read whole with this payload, is malformed
                }
            }
            if (got < want + tcp_message_size) {
                quickack();
                return true;  // short read: drained
            }
        }
        quickack();
        return true;
    }

    /// recvmsg of the rest of c's payload (want bytes) and of the next request's header after it.
    static long recv_payload(conn& c, std::size_t want) noexcept {
        iovec iov[2];
        iov[0].iov_base = c.payload.data() + c.payload_len;
        iov[0].iov_len = want;
        iov[1].iov_base = c.header.data();
        iov[1].iov_len = tcp_message_size;
        msghdr m{};
        m.msg_iov = iov;
        m.msg_iovlen = 2;
        for (;;) {
            const ssize_t n = ::recvmsg(c.fd.get(), &m, MSG_DONTWAIT);
            if (n >= 0) {
                return static_cast<long>(n);
            }
            if (errno == EINTR) {
                continue;
            }
            return errno == EAGAIN || errno == EWOULDBLOCK ? -2 : -1;
        }
    }

    /// Decodes c's complete header and gets a payload buffer; false if c was closed (malformed).
    bool begin_payload(conn& c, double now) {
        const tcp_request_limits limits{opt_.max_payload_bytes, opt_.resolutions};
        const tcp_wire_error e = decode_tcp_request(c.header, c.request, limits);
        if (e != tcp_wire_error::none) {
            with_stats([e](tcp_server_stats& st) { ++st.wire_errors[static_cast<std::size_t>(e)]; });
            close_conn(c, close_reason::malformed);
            return false;
        }
        c.header_at = now;
        c.in_payload = true;
        c.payload = take_buffer(c.request.payload_bytes);
        c.payload_len = 0;
        return true;
    }

    /// Queues c's complete request (or answers it expired/overloaded at once); false if c was
    /// closed.
    bool on_request(conn& c, double now) {
        const double deadline = c.request.budget_us == tcp_no_deadline
                                    ? std::numeric_limits<double>::infinity()
                                    : c.header_at + static_cast<double>(c.request.budget_us) * 1e-6;
        tcp_answer a;
        a.id = c.request.id;
        if (c.request.budget_us == 0 || now > deadline) {
            with_stats([](tcp_server_stats& st) { ++st.requests; });
            give_buffer(std::move(c.payload));
            a.status = tcp_status::expired;
            return queue_answer(c, a);
        }
        std::size_t depth = 0;
        {
            const std::lock_guard lk(qm_);
            if (count_ < queue_.size()) {
                job& j = queue_[(head_ + count_) % queue_.size()];
                j.key = c.key;
                j.out = c.out;
                j.id = c.request.id;
                j.resolution = c.request.resolution;
                j.payload = std::move(c.payload);
                j.deadline = deadline;
                j.enqueued = now;
                depth = ++count_;
                with_stats([depth](tcp_server_stats& st) {  // counted before any worker can answer
                    ++st.requests;
                    st.max_queue_depth = std::max(st.max_queue_depth, depth);
                });
            }
        }
        if (depth > 0) {
            qcv_.notify_one();  // after unlocking: the woken worker does not block on qm_
            c.payload = {};
            return true;
        }
        with_stats([](tcp_server_stats& st) { ++st.requests; });
        give_buffer(std::move(c.payload));
        a.status = tcp_status::overloaded;
        return queue_answer(c, a);
    }

    /// Appends one answer to o's output and, if the output was empty, writes what the socket takes
    /// now (o.m held; either thread). Sets o.failed on a send error, o.overflow when more than
    /// max_unread_answers answers are pending. Returns true if o's output was empty before.
    bool put_locked(outbox& o, const tcp_answer& a) {
        const bool was_empty = o.tx_at == o.tx.size();
        if (was_empty) {
            o.tx.clear();
            o.tx_at = 0;
            o.tx_since = detail::tcp_sock::mono_now();
        }
        const std::size_t at = o.tx.size();
        o.tx.resize(at + tcp_message_size);
        encode_tcp_answer(a, std::span<std::byte>(o.tx).subspan(at));
        if ((o.tx.size() - o.tx_at) / tcp_message_size > opt_.max_unread_answers) {
            o.overflow = true;
        } else if (was_empty) {
            flush_locked(o);
        }
        return was_empty;
    }

    /// Writes o's pending output until the kernel takes no more (o.m held); o.failed on an error.
    static void flush_locked(outbox& o) {
        while (o.tx_at < o.tx.size()) {
            const long n = detail::tcp_sock::send_some(o.fd, o.tx.data() + o.tx_at, o.tx.size() - o.tx_at);
            if (n < 0) {
                o.failed = true;
                return;
            }
            if (n == 0) {
                return;
            }
            o.tx_at += static_cast<std::size_t>(n);
            o.tx_since = detail::tcp_sock::mono_now();
        }
        o.tx.clear();
        o.tx_at = 0;
    }

    /// The I/O thread's own answer (expired, overloaded) to c; false if c was closed.
    bool queue_answer(conn& c, const tcp_answer& a) {
        {
            const std::lock_guard lk(c.out->m);
            with_stats([&a](tcp_server_stats& st) {
                ++st.answers;
                ++st.by_status[static_cast<std::size_t>(a.status)];
            });
            (void)put_locked(*c.out, a);
        }
        return settle(c);
    }

    /// Writes c's pending output (EPOLLOUT); false if c was closed.
    bool write_conn(conn& c) {
        {
            const std::lock_guard lk(c.out->m);
            flush_locked(*c.out);
        }
        return settle(c);
    }

    /// Closes c after a send error or too many unread answers, else arms EPOLLOUT exactly while
    /// output is pending; false if c was closed.
    bool settle(conn& c) {
        bool failed = false;
        bool overflow = false;
        bool want = false;
        {
            const std::lock_guard lk(c.out->m);
            failed = c.out->failed;
            overflow = c.out->overflow;
            want = c.out->tx_at < c.out->tx.size();
        }
        if (failed || overflow) {
            close_conn(c, failed ? close_reason::peer : close_reason::unread);
            return false;
        }
        // A worker may append after the lock is released: it then finds the output non-empty (and
        // leaves it to EPOLLOUT, armed here) or empty (and writes, waking this thread if it must).
        if (want != c.want_out) {
            epoll_event ev{};
            ev.events = EPOLLIN | EPOLLRDHUP | (want ? static_cast<std::uint32_t>(EPOLLOUT) : 0u);
            ev.data.u64 = c.key;
            (void)::epoll_ctl(epoll_.get(), EPOLL_CTL_MOD, c.fd.get(), &ev);
            c.want_out = want;
        }
        return true;
    }

    /// Acts on the connections the workers flagged (output left over, send error, overflow).
    void attend() {
        {
            const std::lock_guard lk(cm_);
            attending_.swap(attention_);
        }
        for (const std::uint64_t key : attending_) {
            const auto it = conns_.find(key);
            if (it != conns_.end()) {
                (void)settle(*it->second);
            }
        }
        attending_.clear();
    }

    /// Closes connections with a request stuck half-way or answers nobody reads.
    void sweep(double now) {
        std::vector<std::pair<conn*, close_reason>>& victims = victims_;
        victims.clear();
        for (auto& [key, c] : conns_) {
            const bool slow = !std::isnan(c->started) && now - c->started > opt_.request_timeout;
            bool unread = false;
            {
                const std::lock_guard lk(c->out->m);
                unread = c->out->tx_at < c->out->tx.size() && now - c->out->tx_since > opt_.request_timeout;
            }
            if (slow || unread) {
                victims.emplace_back(c.get(), slow ? close_reason::slow : close_reason::unread);
            }
        }
        for (const auto& [c, why] : victims) {
            close_conn(*c, why);
        }
    }

    // ---- payload buffers -------------------------------------------------------------------------

    std::vector<std::byte> take_buffer(std::size_t size) {
        std::vector<std::byte> b;
        {
            const std::lock_guard lk(pm_);
            if (!pool_.empty()) {
                b = std::move(pool_.back());
                pool_.pop_back();
            }
        }
        b.resize(size);
        return b;
    }

    void give_buffer(std::vector<std::byte>&& b) {
        const std::lock_guard lk(pm_);
        if (pool_.size() < opt_.max_queue + opt_.max_clients) {
            pool_.push_back(std::move(b));
        }
    }

    // ---- the workers ------------------------------------------------------------------------------

    void worker_main(std::size_t w) {
        tcp_handler& handle = handlers_[w];
        for (;;) {
            job j;
            {
                std::unique_lock lk(qm_);
                qcv_.wait(lk, [this] { return stopping_ || count_ > 0; });
                if (stopping_) {
                    return;
                }
                job& slot = queue_[head_];
                j.key = slot.key;
                j.out = std::move(slot.out);
                j.id = slot.id;
                j.resolution = slot.resolution;
                j.payload = std::move(slot.payload);
                j.deadline = slot.deadline;
                j.enqueued = slot.enqueued;
                head_ = (head_ + 1) % queue_.size();
                --count_;
            }
            const double picked = detail::tcp_sock::mono_now();
            tcp_answer a;
            a.id = j.id;
            a.queue_us = to_us(picked - j.enqueued);
            double compute = 0.0;
            bool handler_error = false;
            if (!j.out->alive.load()) {
                with_stats([](tcp_server_stats& st) { ++st.discarded; });
                give_buffer(std::move(j.payload));
                continue;
            }
            if (picked > j.deadline) {
                a.status = tcp_status::expired;
            } else {
                tcp_verdict v;
                try {
                    v = handle(tcp_job{j.id, j.resolution, std::span<const std::byte>(j.payload)});
                } catch (...) {
                    v.ok = false;
                    handler_error = true;
                }
                compute = detail::tcp_sock::mono_now() - picked;
                a.compute_us = to_us(compute);
                const bool valid = v.confidence >= 0.0F && v.confidence <= 1.0F;
                if (v.ok && valid) {
                    a.status = tcp_status::ok;
                    a.label = v.label;
                    a.confidence = v.confidence;
                } else {
                    a.status = tcp_status::failed;
                    handler_error = handler_error || (v.ok && !valid);
                }
            }
            give_buffer(std::move(j.payload));
            answer(j, a, picked - j.enqueued, compute, handler_error);
        }
    }

    /// A worker's answer to job j: written by this thread when the connection has no output
    /// pending (no wake-up of the I/O thread), else appended to that output; the I/O thread is
    /// signalled only when it has to act (settle(): output left over, a send error, overflow).
    void answer(job& j, const tcp_answer& a, double queued, double compute, bool handler_error) {
        outbox& o = *j.out;
        bool wake = false;
        {
            const std::lock_guard lk(o.m);
            // closed, or to be closed by the I/O thread (send error, too many unread answers): the
            // output stays bounded, and the answer is discarded as if the client had gone
            const bool gone = !o.alive.load() || o.failed || o.overflow;
            with_stats([&](tcp_server_stats& st) {
                st.queue_seconds += queued;
                st.compute_seconds += compute;
                st.handler_errors += handler_error ? 1 : 0;
                if (gone) {
                    ++st.discarded;
                } else {
                    ++st.answers;
                    ++st.by_status[static_cast<std::size_t>(a.status)];
                }
            });
            if (gone) {
                return;
            }
            const bool was_empty = put_locked(o, a);
            // Output already pending before this answer is the I/O thread's (EPOLLOUT is armed or
            // a wake-up is on its way); an empty one the worker wrote, and hands over what is left.
            wake = o.failed || o.overflow || (was_empty && o.tx_at < o.tx.size());
        }
        if (wake) {
            {
                const std::lock_guard lk(cm_);
                attention_.push_back(j.key);
            }
            signal_io();
        }
    }

    tcp_server_options opt_;
    std::vector<tcp_handler> handlers_;
    detail::tcp_sock::unique_fd listen_;
    detail::tcp_sock::unique_fd epoll_;
    detail::tcp_sock::unique_fd wake_;
    std::uint16_t port_ = 0;

    // I/O thread only
    std::unordered_map<std::uint64_t, std::unique_ptr<conn>> conns_;
    std::uint64_t next_key_ = 2;
    std::vector<std::uint64_t> attending_;
    std::vector<std::pair<conn*, close_reason>> victims_;
    std::atomic<std::size_t> clients_{0};
    std::atomic<bool> stop_io_{false};

    // the queue (qm_)
    mutable std::mutex qm_;
    std::condition_variable qcv_;
    std::vector<job> queue_;
    std::size_t head_ = 0;
    std::size_t count_ = 0;
    bool stopping_ = false;

    // the buffer pool (pm_)
    std::mutex pm_;
    std::vector<std::vector<std::byte>> pool_;

    // connections a worker left for the I/O thread to settle (cm_)
    std::mutex cm_;
    std::vector<std::uint64_t> attention_;

    // counters (sm_)
    mutable std::mutex sm_;
    tcp_server_stats stats_;
    std::exception_ptr error_;

    std::once_flag stop_once_;
    std::thread io_;
    std::vector<std::thread> workers_;
};

}  // namespace offloadkit

#endif  // OFFLOADKIT_BACKENDS_TCP_SERVER_HPP
