// A ZPL printer on 127.0.0.1 for the tests: answers ~HS as ready, out of paper, with its head
// open, garbled or silent, and keeps every job it receives. Used by the driver tests and by the
// end-to-end tests of a real stationd printing over TCP.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace fake_zebra {

inline std::string hostStatusReply(bool paperOut, bool headOpen) {
    std::string r =
        "\x02"
        "030,";
    r += paperOut ? "1,1" : "0,0";  // a Zebra out of paper also pauses
    r += ",1245,000,0,0,0,000,0,0,0\x03\r\n\x02"
         "001,0,";
    r += headOpen ? "1" : "0";
    r += ",0,1,2,4,0,00000000,1,000\x03\r\n\x02"
         "1234,0\x03\r\n";
    return r;
}

// A ZPL printer on 127.0.0.1, on its own thread with plain blocking sockets: one connection at
// a time as a Zebra serves them, "~HS" answered according to the mode, every other byte kept
// as the job that connection carried.
class FakeZebra {
  public:
    enum class Mode {
        Ready,
        PaperOut,
        HeadOpen,
        Garbled,
        // Answers ~HS until a job arrives, then never answers anything again.
        SilentAfterJob,
    };

    struct Connection {
        std::vector<std::string> events;  // "~HS" for each query, "job" when job bytes came
        std::string job;
    };

    explicit FakeZebra(Mode mode) : mode_(mode) {
        listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        address.sin_port = 0;
        if (listener_ < 0 ||
            ::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
            ::listen(listener_, 8) != 0) {
            throw std::runtime_error("fake printer cannot listen");
        }
        socklen_t length = sizeof address;
        ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length);
        port_ = ntohs(address.sin_port);
        thread_ = std::thread([this] { serve(); });
    }

    ~FakeZebra() {
        stopping_ = true;
        // Wake the blocking accept with a connection of our own.
        const int poke = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        address.sin_port = htons(port_);
        ::connect(poke, reinterpret_cast<sockaddr*>(&address), sizeof address);
        ::close(poke);
        thread_.join();
        ::close(listener_);
    }

    unsigned short port() const { return port_; }

    // Called on the printer's thread when the bytes of a job first arrive on a connection,
    // before anything is answered: a test can kill the daemon at exactly that moment.
    void onJob(std::function<void()> hook) {
        std::lock_guard lock(mutex_);
        onJob_ = std::move(hook);
    }

    void setMode(Mode mode) {
        std::lock_guard lock(mutex_);
        mode_ = mode;
    }

    std::vector<Connection> connections() const {
        std::lock_guard lock(mutex_);
        return connections_;
    }

    // How many connections carried these exact job bytes.
    int timesReceived(const std::string& data) const {
        int n = 0;
        for (const Connection& c : connections()) {
            n += c.job == data ? 1 : 0;
        }
        return n;
    }

    int statusQueries() const {
        int n = 0;
        for (const Connection& c : connections()) {
            for (const std::string& e : c.events) {
                n += e == "~HS" ? 1 : 0;
            }
        }
        return n;
    }

  private:
    void serve() {
        while (!stopping_) {
            const int client = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
            if (client < 0) {
                continue;
            }
            if (stopping_) {
                ::close(client);
                break;
            }
            // A client that never closes must not hang the test run.
            timeval limit{10, 0};
            ::setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
            {
                std::lock_guard lock(mutex_);
                connections_.emplace_back();
            }
            handle(client, connections_.size() - 1);
            ::close(client);
        }
    }

    void handle(int client, std::size_t index) {
        std::string pending;
        char chunk[4096];
        for (;;) {
            const ssize_t n = ::recv(client, chunk, sizeof chunk, 0);
            if (n <= 0) {
                break;
            }
            pending.append(chunk, static_cast<std::size_t>(n));
            std::size_t query;
            while ((query = pending.find("~HS")) != std::string::npos) {
                record(index, pending.substr(0, query));
                pending.erase(0, query + 3);
                answer(client, index);
            }
            // Keep a possible "~" or "~H" at the end: the rest of the query may follow.
            const std::size_t keep =
                pending.size() >= 2 && pending.compare(pending.size() - 2, 2, "~H") == 0 ? 2
                : !pending.empty() && pending.back() == '~'                              ? 1
                                                                                         : 0;
            record(index, pending.substr(0, pending.size() - keep));
            pending.erase(0, pending.size() - keep);
        }
        record(index, pending);
    }

    void record(std::size_t index, const std::string& bytes) {
        if (bytes.empty()) {
            return;
        }
        std::function<void()> hook;
        {
            std::lock_guard lock(mutex_);
            Connection& c = connections_[index];
            if (c.job.empty() && onJob_) {
                hook = onJob_;
            }
            if (c.events.empty() || c.events.back() != "job") {
                c.events.push_back("job");
            }
            c.job += bytes;
            jobSeen_ = true;
        }
        if (hook) {
            hook();
        }
    }

    void answer(int client, std::size_t index) {
        std::string reply;
        {
            std::lock_guard lock(mutex_);
            connections_[index].events.push_back("~HS");
            switch (mode_) {
                case Mode::Ready:
                    reply = hostStatusReply(false, false);
                    break;
                case Mode::PaperOut:
                    reply = hostStatusReply(true, false);
                    break;
                case Mode::HeadOpen:
                    reply = hostStatusReply(false, true);
                    break;
                case Mode::Garbled:
                    // Three well-framed strings, but the pause flag is no flag.
                    reply = hostStatusReply(false, false);
                    reply[7] = '?';
                    break;
                case Mode::SilentAfterJob:
                    if (jobSeen_) {
                        return;
                    }
                    reply = hostStatusReply(false, false);
                    break;
            }
        }
        ::send(client, reply.data(), reply.size(), MSG_NOSIGNAL);
    }

    int listener_ = -1;
    unsigned short port_ = 0;
    std::atomic<bool> stopping_{false};
    std::thread thread_;
    mutable std::mutex mutex_;
    Mode mode_;
    bool jobSeen_ = false;
    std::vector<Connection> connections_;
    std::function<void()> onJob_;
};

}  // namespace fake_zebra
