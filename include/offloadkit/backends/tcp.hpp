#ifndef OFFLOADKIT_BACKENDS_TCP_HPP
#define OFFLOADKIT_BACKENDS_TCP_HPP

/**
 * @file
 * @brief The TCP backend (target offloadkit::tcp, package component `tcp`; Linux, POSIX sockets,
 *        no dependency beyond Threads): a real network under the CBO pipeline.
 *
 *  - backends/tcp/protocol.hpp: the offload protocol, version 1 (docs/wire-protocol.md): request
 *    header and answer, encoders and validating decoders.
 *  - backends/tcp/client.hpp: tcp_client, one connection to an edge server, seen by the pipeline
 *    as tcp_link (transfer_link: a transfer is complete when the peer has acknowledged its last
 *    byte) and tcp_remote (remote_executor<…, offload_request>); reconnects with back-off.
 *  - backends/tcp/endpoint.hpp: parse_tcp_endpoint, "HOST:PORT" as written on a command line.
 *  - backends/tcp/split_link.hpp: split_link_sender, the device-to-device link of an AMVP
 *    placement (split messages to a part-2 server, one at a time, every one answered or failed).
 *  - backends/tcp/server.hpp: tcp_server, the epoll server core (many clients, a bounded queue, N
 *    workers, deadline-aware, answers report queue and compute time) around a pluggable handler.
 *
 * @code
 * #include <offloadkit/backends/tcp.hpp>
 * static_assert(ok::transfer_link<ok::tcp_link>);
 * static_assert(ok::remote_executor<ok::tcp_remote, ok::offload_request>);
 * @endcode
 * How it behaves on a shaped link and under faults: docs/runtime.md ("TCP backend").
 */

#include "tcp/client.hpp"
#include "tcp/endpoint.hpp"
#include "tcp/protocol.hpp"
#include "tcp/server.hpp"
#include "tcp/split_link.hpp"

#endif  // OFFLOADKIT_BACKENDS_TCP_HPP
