// USB devices emulated at the usbfs boundary with umockdev: sysfs and /dev nodes from hand-written
// umockdev-record files, and the usbfs ioctls that libusb sends answered by a device model.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

typedef struct _UMockdevTestbed UMockdevTestbed;
typedef struct _UMockdevIoctlBase UMockdevIoctlBase;
typedef struct _UMockdevIoctlClient UMockdevIoctlClient;
typedef struct _UMockdevIoctlData UMockdevIoctlData;

namespace usbtest {

struct ControlSetup {
    std::uint8_t requestType = 0;
    std::uint8_t request = 0;
    std::uint16_t value = 0;
    std::uint16_t index = 0;
    std::uint16_t length = 0;
};

// A device's answer to a control request: data for an IN request, nothing for OUT; no answer
// at all stalls the request, as a device does with one it does not know.
using ControlAnswer = std::optional<std::string>;

// One USB device as libusb sees it through usbfs. Everything here is safe to call from the test
// while the device model runs on umockdev's thread.
class EmulatedUsbDevice {
  public:
    // The next IN transfer on `endpoint` (0x81...) completes with these bytes.
    void queueInput(std::uint8_t endpoint, std::string bytes);
    // Answers control requests other than GET_DESCRIPTOR(string), which the device answers
    // from its string table.
    void onControl(std::function<ControlAnswer(const ControlSetup&, const std::string& out)> f);
    // Called with every OUT transfer on a bulk or interrupt endpoint (a printer answers "~HS").
    void onOutput(std::function<void(std::uint8_t endpoint, const std::string& bytes)> f);

    // What the program did to the device.
    std::vector<std::string> outputs(std::uint8_t endpoint) const;
    std::vector<ControlSetup> controls() const;
    std::vector<std::string> controlData() const;  // the OUT data of each control request
    bool claimed(int interfaceNumber) const;
    // The kernel driver was let go of before the claim (USBDEVFS_DISCONNECT_CLAIM or
    // USBDEVFS_DISCONNECT), so nothing the device sends reaches the input subsystem.
    bool kernelDriverDetached(int interfaceNumber) const;
    int opens() const;                // how many times the program claimed an interface of it
    std::size_t queuedInput() const;  // reports queued that no transfer has taken yet

    const std::string& sysPath() const { return sysPath_; }
    const std::string& devNode() const { return devNode_; }

    // The device model: answers one ioctl, on umockdev's thread.
    bool handle(UMockdevIoctlClient* client);

  private:
    friend class UsbEmulator;
    struct Urb {
        UMockdevIoctlData* data = nullptr;  // the program's usbdevfs_urb, resolved
        std::uint8_t type = 0;
        std::uint8_t endpoint = 0;
        int bufferLength = 0;
        int status = 0;
        std::string answer;  // bytes that an IN transfer returns
        bool isControl = false;
    };

    void submit(UMockdevIoctlClient* client, UMockdevIoctlData* arg);
    void reap(UMockdevIoctlClient* client, UMockdevIoctlData* arg);
    void discard(UMockdevIoctlClient* client, UMockdevIoctlData* arg);
    std::string stringDescriptor(std::uint16_t value, std::uint16_t length) const;

    std::string file_;
    std::string sysPath_;
    std::string devNode_;
    std::map<int, std::string> strings_;
    UMockdevIoctlBase* handler_ = nullptr;

    // Transfers belong to the open file they were submitted on: the program may have the
    // device open twice (one handle reading, another asking for its serial number).
    struct Client {
        std::deque<Urb> pending;    // IN transfers waiting for data
        std::deque<Urb> completed;  // ready to be reaped
    };
    void dropTransfers();

    mutable std::mutex mutex_;
    bool unplugged_ = false;
    std::map<UMockdevIoctlClient*, Client> clients_;
    std::map<std::uint8_t, std::deque<std::string>> input_;
    std::function<ControlAnswer(const ControlSetup&, const std::string&)> control_;
    std::function<void(std::uint8_t, const std::string&)> output_;
    std::map<std::uint8_t, std::vector<std::string>> outputs_;
    std::vector<ControlSetup> controls_;
    std::vector<std::string> controlData_;
    std::map<int, bool> claimed_;
    std::map<int, bool> detached_;
    int opens_ = 0;
};

class UsbEmulator {
  public:
    // True when the program runs under umockdev's preload library (umockdev-wrapper or
    // umockdev-run); without it nothing here can work.
    static bool available();

    UsbEmulator();
    ~UsbEmulator();
    UsbEmulator(const UsbEmulator&) = delete;
    UsbEmulator& operator=(const UsbEmulator&) = delete;

    // Plugs in the device described by a umockdev-record file of tests/fixtures/umockdev, with
    // its manufacturer, product and serial strings (descriptor indexes 1, 2, 3).
    EmulatedUsbDevice& add(const std::string& fixture, std::string manufacturer,
                           std::string product, std::string serial);
    // The cable is pulled: transfers in flight end with ESHUTDOWN, new ones fail with ENODEV,
    // the device leaves sysfs with a "remove" uevent.
    void unplug(EmulatedUsbDevice& device);
    // Plugged in again: a fresh device with an "add" uevent.
    void replug(EmulatedUsbDevice& device);

  private:
    UMockdevTestbed* testbed_ = nullptr;
    std::vector<std::unique_ptr<EmulatedUsbDevice>> devices_;
};

}  // namespace usbtest
