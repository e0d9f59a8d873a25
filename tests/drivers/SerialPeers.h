// Serial devices played by a test on the master side of a pseudo-terminal: the port itself
// (pluggable, behind a symlink as udev's by-id links are), an MT-SICS scale answering commands,
// and Toledo continuous frames. Used by the driver tests and by the end-to-end tests of a real
// stationd.
#pragma once

#include <poll.h>
#include <pty.h>
#include <stdlib.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>

namespace serial_peers {

using namespace std::chrono_literals;

// A pseudo-terminal whose slave is reachable through a symlink that can be pointed at a new
// one, the way udev's by-id link follows a replugged USB serial adapter.
class FakeSerialPort {
  public:
    FakeSerialPort() {
        char pattern[] = "/tmp/serial-test-XXXXXX";
        dir_ = ::mkdtemp(pattern);
        link_ = dir_ + "/ttyFAKE";
        plug();
    }
    ~FakeSerialPort() {
        unplug();
        std::filesystem::remove_all(dir_);
    }

    const std::string& path() const { return link_; }
    // The terminal the link points to now ("/dev/pts/7"): what a config names.
    const std::string& terminal() const { return terminal_; }

    void plug() {
        char name[256];
        if (::openpty(&master_, &slave_, name, nullptr, nullptr) != 0) {
            throw std::runtime_error("openpty failed");
        }
        const std::string temporary = link_ + ".new";
        std::filesystem::remove(temporary);
        terminal_ = name;
        std::filesystem::create_symlink(name, temporary);
        std::filesystem::rename(temporary, link_);
    }

    // The cable is pulled: the driver's next read fails with EIO.
    void unplug() {
        if (master_ >= 0) {
            ::close(master_);
            ::close(slave_);
            master_ = slave_ = -1;
        }
    }

    void write(std::string_view bytes) {
        std::lock_guard lock(mutex_);
        if (master_ >= 0) {
            (void)!::write(master_, bytes.data(), bytes.size());
        }
    }

    // Waits up to `timeout` for bytes from the driver.
    std::string read(std::chrono::milliseconds timeout) {
        int fd;
        {
            std::lock_guard lock(mutex_);
            fd = master_;
        }
        if (fd < 0) {
            std::this_thread::sleep_for(timeout);
            return {};
        }
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0 || (p.revents & POLLIN) == 0) {
            return {};
        }
        char buffer[256];
        const ssize_t n = ::read(fd, buffer, sizeof buffer);
        return n > 0 ? std::string(buffer, static_cast<std::size_t>(n)) : std::string();
    }

  private:
    std::string dir_;
    std::string link_;
    std::string terminal_;
    std::mutex mutex_;
    int master_ = -1;
    int slave_ = -1;
};

// An MT-SICS scale on the master side: answers each command line from a state the test sets.
class FakeMtSicsScale {
  public:
    enum class Mode { Moving, Stable, Busy, Silent };

    explicit FakeMtSicsScale(FakeSerialPort& port) : port_(port), thread_([this] { serve(); }) {}
    ~FakeMtSicsScale() {
        stopping_ = true;
        thread_.join();
    }

    void set(Mode mode, std::string weight) {
        std::lock_guard lock(mutex_);
        mode_ = mode;
        weight_ = std::move(weight);
    }
    int commands() const { return commands_; }
    int zeroCommands() const { return zeros_; }

  private:
    void serve() {
        std::string pending;
        while (!stopping_) {
            pending += port_.read(20ms);
            std::size_t end;
            while ((end = pending.find("\r\n")) != std::string::npos) {
                const std::string command = pending.substr(0, end);
                pending.erase(0, end + 2);
                answer(command);
            }
        }
    }

    void answer(const std::string& command) {
        ++commands_;
        std::lock_guard lock(mutex_);
        if (command == "Z") {
            ++zeros_;
            port_.write("Z A\r\n");
            return;
        }
        switch (mode_) {
            case Mode::Silent:
                return;
            case Mode::Busy:
                port_.write("S I\r\n");
                return;
            case Mode::Moving:
                port_.write("S D " + weight_ + "\r\n");
                return;
            case Mode::Stable:
                port_.write("S S " + weight_ + "\r\n");
                return;
        }
    }

    FakeSerialPort& port_;
    std::mutex mutex_;
    Mode mode_ = Mode::Moving;
    std::string weight_ = "    0.000 kg";
    std::atomic<int> commands_{0};
    std::atomic<int> zeros_{0};
    std::atomic<bool> stopping_{false};
    std::thread thread_;
};

// Toledo continuous status words (bit 5 always set).
inline std::string toledoFrame(bool motion, bool overload, std::string_view grams) {
    std::string f = "\x02";
    f += static_cast<char>(0x20 | 5);  // three decimals
    f += static_cast<char>(0x20 | 0x10 | (motion ? 0x08 : 0) | (overload ? 0x04 : 0));  // kg
    f += static_cast<char>(0x20);
    f += grams;
    f += "000000\r";
    return f;
}

// A Toledo continuous scale: sends the frame the test sets, every 50 ms, as such scales stream.
class FakeToledoScale {
  public:
    explicit FakeToledoScale(FakeSerialPort& port) : port_(port), thread_([this] { serve(); }) {}
    ~FakeToledoScale() {
        stopping_ = true;
        thread_.join();
    }

    void set(bool motion, std::string grams) {
        std::lock_guard lock(mutex_);
        frame_ = toledoFrame(motion, false, grams);
    }

  private:
    void serve() {
        while (!stopping_) {
            std::string frame;
            {
                std::lock_guard lock(mutex_);
                frame = frame_;
            }
            port_.write(frame);
            std::this_thread::sleep_for(50ms);
        }
    }

    FakeSerialPort& port_;
    std::mutex mutex_;
    std::string frame_ = toledoFrame(true, false, "000000");
    std::atomic<bool> stopping_{false};
    std::thread thread_;
};

}  // namespace serial_peers
