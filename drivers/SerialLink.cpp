#include "drivers/SerialLink.h"

#include <termios.h>

#include <algorithm>
#include <array>
#include <boost/asio/serial_port.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <cctype>
#include <deque>
#include <utility>

namespace drivers {

namespace {

namespace asio = boost::asio;

std::string describeError(const boost::system::error_code& ec) {
    if (ec == asio::error::eof) {
        return "device unplugged (hang-up)";  // a tty whose other end went away reads EOF
    }
    if (ec.value() == EIO || ec.value() == ENXIO || ec.value() == ENODEV) {
        return "device unplugged (" + ec.message() + ")";
    }
    return ec.message();
}

}  // namespace

bool parseSerialFormat(std::string_view format, SerialSettings& settings, std::string& error) {
    if (format.size() != 3 || format[0] < '5' || format[0] > '8' ||
        (format[2] != '1' && format[2] != '2')) {
        error = "serial format '" + std::string(format) +
                "' is not data bits, parity and stop bits (\"8N1\", \"7E1\")";
        return false;
    }
    const char parity = static_cast<char>(std::toupper(static_cast<unsigned char>(format[1])));
    if (parity != 'N' && parity != 'E' && parity != 'O') {
        error = "serial format '" + std::string(format) + "': parity must be N, E or O";
        return false;
    }
    settings.dataBits = static_cast<unsigned>(format[0] - '0');
    settings.parity = parity;
    settings.stopBits = static_cast<unsigned>(format[2] - '0');
    return true;
}

std::string describe(const SerialSettings& settings) {
    return settings.device + " " + std::to_string(settings.baud) + " " +
           std::to_string(settings.dataBits) + settings.parity + std::to_string(settings.stopBits);
}

struct SerialLink::Impl : std::enable_shared_from_this<SerialLink::Impl> {
    Impl(asio::io_context& context, SerialSettings serialSettings, Events linkEvents,
         std::chrono::milliseconds min, std::chrono::milliseconds max)
        : port(context),
          retryTimer(context),
          settings(std::move(serialSettings)),
          events(std::move(linkEvents)),
          retryMin(min),
          retryMax(max),
          retryDelay(min),
          detail(describe(settings) + ": not opened yet") {}

    void start() {
        if (!stopped) {
            return;
        }
        stopped = false;
        retryDelay = retryMin;
        open();
    }

    void stop() {
        stopped = true;
        retryTimer.cancel();
        close();
        detail = describe(settings) + ": stopped";
    }

    void close() {
        ++generation;
        boost::system::error_code ignored;
        port.close(ignored);
        outbox.clear();
        writing = false;
    }

    void open() {
        if (stopped || port.is_open()) {
            return;
        }
        boost::system::error_code ec;
        port.open(settings.device, ec);
        auto failed = [&](const std::string& step) {
            detail =
                describe(settings) + ": " + step + ": " +
                (ec == boost::system::errc::no_such_file_or_directory ? "not found" : ec.message());
            boost::system::error_code ignored;
            port.close(ignored);
            scheduleRetry();
        };
        if (ec) {
            return failed("cannot open");
        }
        using Port = asio::serial_port;
        const Port::parity::type parity = settings.parity == 'E'   ? Port::parity::even
                                          : settings.parity == 'O' ? Port::parity::odd
                                                                   : Port::parity::none;
        if (port.set_option(Port::baud_rate(settings.baud), ec); ec) {
            return failed("cannot set " + std::to_string(settings.baud) + " baud");
        }
        if (port.set_option(Port::character_size(settings.dataBits), ec); ec) {
            return failed("cannot set the data bits");
        }
        if (port.set_option(Port::parity(parity), ec); ec) {
            return failed("cannot set the parity");
        }
        if (port.set_option(Port::stop_bits(settings.stopBits == 2 ? Port::stop_bits::two
                                                                   : Port::stop_bits::one),
                            ec);
            ec) {
            return failed("cannot set the stop bits");
        }
        if (port.set_option(Port::flow_control(Port::flow_control::none), ec); ec) {
            return failed("cannot turn flow control off");
        }
        // Whatever the device sent before we opened it (a weight from before, half a line) is
        // stale: start from what comes now.
        ::tcflush(port.native_handle(), TCIFLUSH);
        retryDelay = retryMin;
        detail = describe(settings);
        read(generation);
        if (events.connected) {
            events.connected();
        }
    }

    void scheduleRetry() {
        retryTimer.expires_after(retryDelay);
        retryDelay = std::min(retryDelay * 2, retryMax);
        retryTimer.async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
            auto self = weak.lock();
            if (!ec && self) {
                self->open();
            }
        });
    }

    void read(unsigned long gen) {
        port.async_read_some(
            asio::buffer(buffer),
            [weak = weak_from_this(), gen](const boost::system::error_code& ec, std::size_t size) {
                auto self = weak.lock();
                if (!self || gen != self->generation || self->stopped) {
                    return;
                }
                if (size > 0 && self->events.data) {
                    self->events.data(std::string_view(self->buffer.data(), size));
                    if (gen != self->generation || self->stopped) {
                        return;  // closed by the handler
                    }
                }
                if (ec) {
                    self->lost(describeError(ec));
                    return;
                }
                self->read(gen);
            });
    }

    void write(std::string bytes) {
        if (!port.is_open()) {
            return;
        }
        outbox.push_back(std::move(bytes));
        if (!writing) {
            writeNext(generation);
        }
    }

    void writeNext(unsigned long gen) {
        writing = true;
        asio::async_write(
            port, asio::buffer(outbox.front()),
            [weak = weak_from_this(), gen](const boost::system::error_code& ec, std::size_t) {
                auto self = weak.lock();
                if (!self || gen != self->generation || self->stopped) {
                    return;
                }
                self->writing = false;
                if (ec) {
                    self->lost("cannot write: " + describeError(ec));
                    return;
                }
                self->outbox.pop_front();
                if (!self->outbox.empty()) {
                    self->writeNext(gen);
                }
            });
    }

    void lost(const std::string& why) {
        close();
        detail = describe(settings) + ": " + why + "; reopening";
        if (events.disconnected) {
            events.disconnected(why);
        }
        if (!stopped) {
            retryDelay = retryMin;
            scheduleRetry();
        }
    }

    asio::serial_port port;
    asio::steady_timer retryTimer;
    const SerialSettings settings;
    const Events events;
    const std::chrono::milliseconds retryMin;
    const std::chrono::milliseconds retryMax;
    std::chrono::milliseconds retryDelay;
    std::string detail;
    std::array<char, 1024> buffer{};
    std::deque<std::string> outbox;
    bool writing = false;
    bool stopped = true;
    unsigned long generation = 0;
};

SerialLink::SerialLink(boost::asio::io_context& io, SerialSettings settings, Events events,
                       std::chrono::milliseconds retryMin, std::chrono::milliseconds retryMax)
    : impl_(
          std::make_shared<Impl>(io, std::move(settings), std::move(events), retryMin, retryMax)) {}

SerialLink::~SerialLink() {
    impl_->stop();
}

void SerialLink::start() {
    impl_->start();
}

void SerialLink::stop() {
    impl_->stop();
}

void SerialLink::write(std::string bytes) {
    impl_->write(std::move(bytes));
}

void SerialLink::restart(const std::string& why) {
    if (impl_->port.is_open()) {
        impl_->lost(why);
    }
}

bool SerialLink::connected() const {
    return impl_->port.is_open();
}

const std::string& SerialLink::detail() const {
    return impl_->detail;
}

const SerialSettings& SerialLink::settings() const {
    return impl_->settings;
}

}  // namespace drivers
