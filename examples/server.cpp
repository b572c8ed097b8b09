// offloadkit-server: the edge server of CBO §III (the server model run for offloaded frames), over
// the TCP backend (backends/tcp/server.hpp: epoll, bounded FIFO queue, N workers, deadline-aware,
// each answer carrying its queueing and compute time so that devices learn T^o) and the ONNX
// backend (backends/onnx.hpp: decode_image for the PNG/JPEG frame, onnx_classifier for the model).
//
//   offloadkit-server --listen 127.0.0.1:0 [--model FILE] [--workers N] [--max-queue N]
//
// Prints one JSON line when it listens ({"listening":PORT,...}; port 0 picks a free one) and one
// JSON summary line when SIGTERM or SIGINT arrives, then exits 0. Wire protocol: docs/wire-protocol.md.
// offloadkit-backend: onnx
// offloadkit-backend: tcp
#include <offloadkit/backends/onnx.hpp>
#include <offloadkit/backends/tcp.hpp>
#include <offloadkit/calibration/scores.hpp>
#include <offloadkit/io/json.hpp>

#include <pthread.h>
#include <signal.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include "common/cli.hpp"

namespace ok = offloadkit;
namespace cli = offloadkit::examples::cli;

namespace {

const char* const usage_text =
    "usage: offloadkit-server --listen HOST:PORT [options]\n"
    "  --listen HOST:PORT   address literal and port to listen on (port 0: a free one)\n"
    "  --model FILE         ONNX classifier (default examples/models/fashion/server.onnx)\n"
    "  --workers N          worker threads, each with its own copy of the model (default 1)\n"
    "  --max-queue N        requests waiting for a worker before new ones are refused (default 64)\n"
    "  --max-clients N      connections at once (default 64)\n"
    "  --side S             model input side in pixels, gray (default 28: the Fashion-MNIST models)\n"
    "Prints {\"listening\":PORT,...} when ready and a summary on SIGTERM/SIGINT.\n";

struct settings {
    ok::tcp_endpoint listen;
    bool have_listen = false;
    std::string model = OFFLOADKIT_EXAMPLES_DIR "/models/fashion/server.onnx";
    std::size_t workers = 1;
    std::size_t max_queue = 64;
    std::size_t max_clients = 64;
    std::size_t side = 28;
};

settings parse_args(int argc, char** argv) {
    settings s;
    cli::arg_reader args(argc, argv);
    const std::vector<std::string> known = {"--listen", "--model", "--workers", "--max-queue", "--max-clients", "--side",
                                            "--help"};
    while (args.next()) {
        const std::string flag = args.flag();
        if (flag == "--help" || flag == "-h") {
            std::fputs(usage_text, stdout);
            std::exit(0);
        } else if (flag == "--listen") {
            try {
                s.listen = ok::parse_tcp_endpoint(args.value(), "--listen", true);
            } catch (const ok::invalid_argument& e) {
                throw cli::usage_error(e.what());
            }
            s.have_listen = true;
        } else if (flag == "--model") {
            s.model = args.value();
        } else if (flag == "--workers") {
            s.workers = static_cast<std::size_t>(cli::whole(flag, args.value(), 1, 256));
        } else if (flag == "--max-queue") {
            s.max_queue = static_cast<std::size_t>(cli::whole(flag, args.value(), 1, 1u << 20));
        } else if (flag == "--max-clients") {
            s.max_clients = static_cast<std::size_t>(cli::whole(flag, args.value(), 1, 65536));
        } else if (flag == "--side") {
            s.side = static_cast<std::size_t>(cli::whole(flag, args.value(), 1, 4096));
        } else {
            cli::unknown_flag(flag, known);
        }
    }
    if (!s.have_listen) {
        throw cli::usage_error("--listen HOST:PORT is required (e.g. --listen 127.0.0.1:0)");
    }
    return s;
}

/// The Fashion-MNIST models' input convention (examples/models/fashion/MODEL_CARD.md).
ok::image_preprocess preprocessing(std::size_t side) {
    return ok::image_preprocess{.height = side, .width = side, .channels = 1, .order = ok::channel_order::rgb,
                                .interpolation = ok::interpolation::area, .scale = 1.0F / 255.0F,
                                .mean = {0.286F, 0.0F, 0.0F}, .std = {0.353F, 1.0F, 1.0F}};
}

int run_main(int argc, char** argv) {
    const settings s = parse_args(argc, argv);
    // Load once here so that a bad --model is reported before anything listens (exit 2).
    ok::onnx_classifier probe(ok::onnx_model::load(s.model), preprocessing(s.side));
    const std::size_t classes = probe.num_classes();

    // SIGTERM/SIGINT are taken by sigwait below; blocked before any thread starts, so that the
    // server's threads inherit the mask and never run a handler.
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGTERM);
    sigaddset(&stop_signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

    ok::tcp_server_options o;
    o.host = s.listen.host;
    o.port = s.listen.port;
    o.workers = s.workers;
    o.max_queue = s.max_queue;
    o.max_clients = s.max_clients;
    const std::string model_path = s.model;
    const std::size_t side = s.side;
    ok::tcp_server server(o, [&](std::size_t) {
        auto clf = std::make_shared<ok::onnx_classifier>(ok::onnx_model::load(model_path), preprocessing(side));
        auto logits = std::make_shared<std::vector<float>>(clf->num_classes());
        return ok::tcp_handler([clf, logits](const ok::tcp_job& j) {
            const ok::decoded_image img = ok::decode_image(j.payload);  // throws on a bad frame: answered `failed`
            (void)clf->infer(img.view(), *logits);
            const ok::top1 t = ok::top1_confidence(*logits);
            return ok::tcp_verdict{static_cast<std::uint32_t>(t.index), static_cast<float>(t.confidence), true};
        });
    });

    ok::io::json_object hello;
    hello.add("listening", static_cast<unsigned>(server.port()))
        .add("host", s.listen.host)
        .add("workers", s.workers)
        .add("max_queue", s.max_queue)
        .add("model", s.model)
        .add("classes", classes);
    std::puts(hello.str().c_str());
    std::fflush(stdout);

    int sig = 0;
    while (sigwait(&stop_signals, &sig) != 0) {
    }
    server.stop();
    const ok::tcp_server_stats st = server.stats();
    ok::io::json_object sum;
    sum.add("summary", true)
        .add("signal", sig == SIGTERM ? "SIGTERM" : "SIGINT")
        .add("clients_accepted", st.clients_accepted)
        .add("clients_refused", st.clients_refused)
        .add("clients_malformed", st.clients_malformed)
        .add("clients_slow", st.clients_slow)
        .add("clients_unread", st.clients_unread)
        .add("requests", st.requests)
        .add("answers", st.answers)
        .add("ok", st.by_status[static_cast<std::size_t>(ok::tcp_status::ok)])
        .add("expired", st.by_status[static_cast<std::size_t>(ok::tcp_status::expired)])
        .add("overloaded", st.by_status[static_cast<std::size_t>(ok::tcp_status::overloaded)])
        .add("failed", st.by_status[static_cast<std::size_t>(ok::tcp_status::failed)])
        .add("discarded", st.discarded)
        .add("max_queue_depth", st.max_queue_depth)
        .add("mean_queue_ms", st.requests == 0 ? 0.0 : 1e3 * st.queue_seconds / static_cast<double>(st.requests))
        .add("mean_compute_ms",
             st.by_status[0] == 0 ? 0.0 : 1e3 * st.compute_seconds / static_cast<double>(st.by_status[0]));
    std::puts(sum.str().c_str());
    std::fflush(stdout);
    if (const std::exception_ptr e = server.error()) {
        std::rethrow_exception(e);
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    return cli::guarded_main({"offloadkit-server", usage_text, 2}, [&] { return run_main(argc, argv); });
}
