// One interface of one USB device, found by vendor/product/serial, claimed exclusively with the
// kernel driver detached, and found again after an unplug. What the shared USB drivers build on.
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>

#include "drivers/UsbContext.h"

namespace drivers {

// What was found on the device that matched.
struct UsbInterfaceInfo {
    int bus = 0;
    int address = 0;
    std::string manufacturer;  // string descriptors, empty when the device has none
    std::string product;
    std::string serial;
    int number = 0;  // interface number and alternate setting in use
    int altSetting = 0;
    int interfaceClass = 0;
    int subclass = 0;
    int protocol = 0;
    // Endpoint addresses (0 when absent) and their largest packet.
    std::uint8_t interruptIn = 0;
    std::size_t interruptInSize = 0;
    std::uint8_t interruptOut = 0;
    std::uint8_t bulkIn = 0;
    std::size_t bulkInSize = 0;
    std::uint8_t bulkOut = 0;
};

struct UsbLinkOptions {
    UsbSelector selector;
    int interfaceClass = 3;      // 3 HID, 7 printer; the first interface of this class is claimed
    int preferredProtocol = -1;  // among several alternate settings, this one if present
    // Keep interrupt IN transfers queued on the interface and deliver every report.
    bool readInterrupt = true;
    // Retries while the device is present but cannot be opened, or is missing and libusb has
    // no hotplug: starts here and doubles up to the maximum.
    std::chrono::milliseconds retryMin{250};
    std::chrono::milliseconds retryMax{1000};
};

struct UsbTransferResult {
    bool ok = false;
    std::string data;  // the bytes received (IN transfers)
    std::size_t transferred = 0;
    bool timedOut = false;
    bool gone = false;  // the device was unplugged or closed
    std::string error;  // when !ok: "timed out", "device unplugged", "stalled"...
};

class UsbLink {
  public:
    // Called on the io_context. `disconnected` follows every `connected`, with the reason.
    struct Events {
        std::function<void(const UsbInterfaceInfo&)> connected;
        std::function<void(std::span<const std::uint8_t> report)> report;
        std::function<void(const std::string& why)> disconnected;
    };

    UsbLink(boost::asio::io_context& io, std::shared_ptr<UsbContext> usb, UsbLinkOptions options,
            Events events);
    // Cancels the transfers, releases the interface (the kernel driver gets it back) and
    // closes the device.
    ~UsbLink();
    UsbLink(const UsbLink&) = delete;
    UsbLink& operator=(const UsbLink&) = delete;

    // Looks for the device now and whenever one like it is plugged in.
    void start();
    void stop();

    bool connected() const;
    // "05e0:1200 (Acme Scanner) on bus 1 address 4", "05e0:1200 not plugged in"...
    const std::string& detail() const;
    const UsbInterfaceInfo& info() const;  // valid while connected()
    const UsbSelector& selector() const;

    // One-shot transfers on the open device. `done` is called exactly once, on the io_context,
    // never from inside the call; with an error when the device is not open or goes away.
    using Done = std::function<void(UsbTransferResult)>;
    // requestType bit 7 set: reads `inLength` bytes; otherwise sends `out`.
    void control(std::uint8_t requestType, std::uint8_t request, std::uint16_t value,
                 std::uint16_t index, std::string out, std::uint16_t inLength,
                 std::chrono::milliseconds timeout, Done done);
    void bulkOut(std::string data, std::chrono::milliseconds timeout, Done done);
    void bulkIn(std::size_t length, std::chrono::milliseconds timeout, Done done);
    void interruptOut(std::string data, std::chrono::milliseconds timeout, Done done);

  private:
    struct Impl;
    std::shared_ptr<Impl> impl_;
};

}  // namespace drivers
