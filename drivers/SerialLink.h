// A serial port (RS-232, USB serial, CDC-ACM) opened with its settings and reopened with
// backoff after it goes away; the bytes it reads are handed over as they come.
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace drivers {

struct SerialSettings {
    // Prefer a stable name (/dev/serial/by-id/...) to /dev/ttyUSB0, which moves on replug.
    std::string device;
    unsigned baud = 9600;
    unsigned dataBits = 8;
    char parity = 'N';  // 'N', 'E' or 'O'
    unsigned stopBits = 1;
};

// "8N1", "7E1", "8E2"... into dataBits, parity, stopBits. On failure returns false and says why.
bool parseSerialFormat(std::string_view format, SerialSettings& settings, std::string& error);
std::string describe(const SerialSettings& settings);  // "/dev/ttyUSB0 9600 8N1"

class SerialLink {
  public:
    // Called on the io_context. `disconnected` follows every `connected`, with the reason.
    struct Events {
        std::function<void()> connected;
        std::function<void(std::string_view bytes)> data;
        std::function<void(const std::string& why)> disconnected;
    };

    SerialLink(boost::asio::io_context& io, SerialSettings settings, Events events,
               std::chrono::milliseconds retryMin = std::chrono::milliseconds(250),
               std::chrono::milliseconds retryMax = std::chrono::milliseconds(5000));
    ~SerialLink();
    SerialLink(const SerialLink&) = delete;
    SerialLink& operator=(const SerialLink&) = delete;

    void start();
    void stop();
    // Writes in order; a write error closes the port like a read error does.
    void write(std::string bytes);
    // Closes the port and reopens it after the first backoff step (a device that stopped
    // answering): `disconnected` is called with `why`.
    void restart(const std::string& why);

    bool connected() const;
    // "/dev/ttyUSB0 9600 8N1", with "not found" or why it went away when it is not open.
    const std::string& detail() const;
    const SerialSettings& settings() const;

  private:
    struct Impl;
    std::shared_ptr<Impl> impl_;
};

}  // namespace drivers
