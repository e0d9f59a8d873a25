#include "UsbEmulator.h"

#include <linux/usbdevice_fs.h>
#include <sys/ioctl.h>
#include <umockdev.h>

#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <thread>

namespace usbtest {

namespace {

constexpr std::size_t kSetupSize = 8;

UMockdevIoctlData* resolve(UMockdevIoctlData* data, std::size_t offset, std::size_t length) {
    GError* error = nullptr;
    UMockdevIoctlData* child = umockdev_ioctl_data_resolve(data, offset, length, &error);
    if (error != nullptr) {
        g_error_free(error);
        return nullptr;
    }
    return child;
}

unsigned readUnsigned(UMockdevIoctlData* arg) {
    UMockdevIoctlData* value = resolve(arg, 0, sizeof(unsigned));
    unsigned result = 0;
    if (value != nullptr) {
        std::memcpy(&result, value->data, sizeof result);
        umockdev_ioctl_data_unref(value);
    }
    return result;
}

gboolean onIoctl(UMockdevIoctlBase*, UMockdevIoctlClient* client, gpointer device) {
    return static_cast<EmulatedUsbDevice*>(device)->handle(client) ? TRUE : FALSE;
}

}  // namespace

void EmulatedUsbDevice::queueInput(std::uint8_t endpoint, std::string bytes) {
    std::lock_guard lock(mutex_);
    input_[endpoint].push_back(std::move(bytes));
}

void EmulatedUsbDevice::onControl(
    std::function<ControlAnswer(const ControlSetup&, const std::string&)> f) {
    std::lock_guard lock(mutex_);
    control_ = std::move(f);
}

void EmulatedUsbDevice::onOutput(std::function<void(std::uint8_t, const std::string&)> f) {
    std::lock_guard lock(mutex_);
    output_ = std::move(f);
}

std::vector<std::string> EmulatedUsbDevice::outputs(std::uint8_t endpoint) const {
    std::lock_guard lock(mutex_);
    auto it = outputs_.find(endpoint);
    return it == outputs_.end() ? std::vector<std::string>{} : it->second;
}

std::vector<ControlSetup> EmulatedUsbDevice::controls() const {
    std::lock_guard lock(mutex_);
    return controls_;
}

std::vector<std::string> EmulatedUsbDevice::controlData() const {
    std::lock_guard lock(mutex_);
    return controlData_;
}

bool EmulatedUsbDevice::claimed(int interfaceNumber) const {
    std::lock_guard lock(mutex_);
    auto it = claimed_.find(interfaceNumber);
    return it != claimed_.end() && it->second;
}

bool EmulatedUsbDevice::kernelDriverDetached(int interfaceNumber) const {
    std::lock_guard lock(mutex_);
    auto it = detached_.find(interfaceNumber);
    return it != detached_.end() && it->second;
}

std::size_t EmulatedUsbDevice::queuedInput() const {
    std::lock_guard lock(mutex_);
    std::size_t count = 0;
    for (const auto& [endpoint, queue] : input_) {
        count += queue.size();
    }
    return count;
}

int EmulatedUsbDevice::opens() const {
    std::lock_guard lock(mutex_);
    return opens_;
}

std::string EmulatedUsbDevice::stringDescriptor(std::uint16_t value, std::uint16_t length) const {
    const int index = value & 0xff;
    std::string descriptor;
    if (index == 0) {
        descriptor = std::string("\x04\x03\x09\x04", 4);  // US English
    } else {
        auto it = strings_.find(index);
        if (it == strings_.end()) {
            return {};
        }
        descriptor.push_back(static_cast<char>(2 + 2 * it->second.size()));
        descriptor.push_back('\x03');
        for (char c : it->second) {
            descriptor.push_back(c);
            descriptor.push_back('\0');
        }
    }
    return descriptor.substr(0, length);
}

// Runs on umockdev's thread for every ioctl the program makes on the device node.
bool EmulatedUsbDevice::handle(UMockdevIoctlClient* client) {
    const unsigned long request = umockdev_ioctl_client_get_request(client);
    UMockdevIoctlData* arg = umockdev_ioctl_client_get_arg(client);
    auto done = [&](long result, int error) {
        umockdev_ioctl_client_complete(client, result, error);
    };

    if (request == USBDEVFS_SUBMITURB) {
        submit(client, arg);
        return true;
    }
    if (request == USBDEVFS_REAPURB || request == USBDEVFS_REAPURBNDELAY) {
        reap(client, arg);
        return true;
    }
    if (request == USBDEVFS_DISCARDURB) {
        discard(client, arg);
        return true;
    }
    std::unique_lock lock(mutex_);
    if (unplugged_) {
        done(-1, ENODEV);
        return true;
    }
    if (request == USBDEVFS_GET_CAPABILITIES) {
        UMockdevIoctlData* caps = resolve(arg, 0, sizeof(std::uint32_t));
        const std::uint32_t value = USBDEVFS_CAP_ZERO_PACKET | USBDEVFS_CAP_BULK_CONTINUATION |
                                    USBDEVFS_CAP_NO_PACKET_SIZE_LIM |
                                    USBDEVFS_CAP_REAP_AFTER_DISCONNECT;
        std::memcpy(caps->data, &value, sizeof value);
        umockdev_ioctl_data_unref(caps);
        done(0, 0);
    } else if (request == USBDEVFS_DISCONNECT_CLAIM) {
        UMockdevIoctlData* claim = resolve(arg, 0, sizeof(usbdevfs_disconnect_claim));
        unsigned number = 0;
        std::memcpy(&number, claim->data, sizeof number);
        umockdev_ioctl_data_unref(claim);
        detached_[static_cast<int>(number)] = true;
        claimed_[static_cast<int>(number)] = true;
        ++opens_;
        done(0, 0);
    } else if (request == USBDEVFS_CLAIMINTERFACE) {
        const int number = static_cast<int>(readUnsigned(arg));
        claimed_[number] = true;
        ++opens_;
        done(0, 0);
    } else if (request == USBDEVFS_RELEASEINTERFACE) {
        claimed_[static_cast<int>(readUnsigned(arg))] = false;
        done(0, 0);
    } else if (request == USBDEVFS_IOCTL) {
        UMockdevIoctlData* command = resolve(arg, 0, sizeof(usbdevfs_ioctl));
        usbdevfs_ioctl value{};
        std::memcpy(&value, command->data, sizeof value);
        umockdev_ioctl_data_unref(command);
        if (value.ioctl_code == static_cast<int>(USBDEVFS_DISCONNECT)) {
            detached_[value.ifno] = true;
        } else if (value.ioctl_code == static_cast<int>(USBDEVFS_CONNECT)) {
            detached_[value.ifno] = false;
        }
        done(0, 0);
    } else if (request == USBDEVFS_GETDRIVER) {
        UMockdevIoctlData* driver = resolve(arg, 0, sizeof(usbdevfs_getdriver));
        unsigned number = 0;
        std::memcpy(&number, driver->data, sizeof number);
        const bool bound = !detached_[static_cast<int>(number)];
        if (bound) {
            std::strcpy(reinterpret_cast<char*>(driver->data) + sizeof(unsigned), "usbhid");
        }
        umockdev_ioctl_data_unref(driver);
        bound ? done(0, 0) : done(-1, ENODATA);
    } else if (request == USBDEVFS_SETINTERFACE || request == USBDEVFS_CLEAR_HALT ||
               request == USBDEVFS_RESET || request == USBDEVFS_RESETEP) {
        done(0, 0);
    } else {
        done(-1, ENOTTY);
    }
    return true;
}

void EmulatedUsbDevice::submit(UMockdevIoctlClient* client, UMockdevIoctlData* arg) {
    UMockdevIoctlData* data = resolve(arg, 0, sizeof(usbdevfs_urb));
    auto* urb = reinterpret_cast<usbdevfs_urb*>(data->data);
    Urb entry;
    entry.data = data;
    entry.type = urb->type;
    entry.endpoint = urb->endpoint;
    entry.bufferLength = urb->buffer_length;
    UMockdevIoctlData* buffer =
        resolve(data, offsetof(usbdevfs_urb, buffer), static_cast<std::size_t>(urb->buffer_length));
    const std::string bytes(reinterpret_cast<const char*>(buffer->data),
                            static_cast<std::size_t>(urb->buffer_length));
    umockdev_ioctl_data_unref(buffer);

    std::function<void(std::uint8_t, const std::string&)> output;
    {
        std::lock_guard lock(mutex_);
        if (unplugged_) {
            umockdev_ioctl_data_unref(data);
            umockdev_ioctl_client_complete(client, -1, ENODEV);
            return;
        }
        if (entry.type == USBDEVFS_URB_TYPE_CONTROL && bytes.size() >= kSetupSize) {
            entry.isControl = true;
            ControlSetup setup;
            setup.requestType = static_cast<std::uint8_t>(bytes[0]);
            setup.request = static_cast<std::uint8_t>(bytes[1]);
            setup.value = static_cast<std::uint16_t>(static_cast<std::uint8_t>(bytes[2]) |
                                                     static_cast<std::uint8_t>(bytes[3]) << 8);
            setup.index = static_cast<std::uint16_t>(static_cast<std::uint8_t>(bytes[4]) |
                                                     static_cast<std::uint8_t>(bytes[5]) << 8);
            setup.length = static_cast<std::uint16_t>(static_cast<std::uint8_t>(bytes[6]) |
                                                      static_cast<std::uint8_t>(bytes[7]) << 8);
            const std::string out = (setup.requestType & 0x80) != 0 ? "" : bytes.substr(kSetupSize);
            controls_.push_back(setup);
            controlData_.push_back(out);
            ControlAnswer answer;
            if (setup.requestType == 0x80 && setup.request == 6 && (setup.value >> 8) == 3) {
                answer = stringDescriptor(setup.value, setup.length);
                if (answer->empty()) {
                    answer.reset();
                }
            } else if (control_) {
                answer = control_(setup, out);
            }
            if (!answer) {
                entry.status = -EPIPE;  // stall
            } else {
                entry.answer = answer->substr(0, setup.length);
            }
            clients_[client].completed.push_back(std::move(entry));
        } else if ((entry.endpoint & 0x80) != 0) {
            clients_[client].pending.push_back(std::move(entry));
        } else {
            outputs_[entry.endpoint].push_back(bytes);
            output = output_;
            clients_[client].completed.push_back(std::move(entry));
        }
    }
    if (output) {
        output(urb->endpoint, bytes);
    }
    umockdev_ioctl_client_complete(client, 0, 0);
}

void EmulatedUsbDevice::reap(UMockdevIoctlClient* client, UMockdevIoctlData* arg) {
    std::optional<Urb> ready;
    bool gone = false;
    {
        std::lock_guard lock(mutex_);
        Client& mine = clients_[client];
        if (!mine.completed.empty()) {
            ready = std::move(mine.completed.front());
            mine.completed.pop_front();
        } else {
            for (auto it = mine.pending.begin(); it != mine.pending.end() && !ready; ++it) {
                auto& queued = input_[it->endpoint];
                if (unplugged_) {
                    it->status = -ESHUTDOWN;
                } else if (!queued.empty()) {
                    // A transfer takes at most its length; the rest waits for the next one.
                    std::string& next = queued.front();
                    const auto room = static_cast<std::size_t>(it->bufferLength);
                    it->answer = next.substr(0, room);
                    if (next.size() > room) {
                        next.erase(0, room);
                    } else {
                        queued.pop_front();
                    }
                } else {
                    continue;
                }
                ready = std::move(*it);
                mine.pending.erase(it);
                break;
            }
        }
        gone = unplugged_;
    }
    if (!ready) {
        if (!gone) {
            // usbfs nodes here are plain files, which poll() always reports ready, so libusb's
            // event thread comes straight back: slow it down while there is nothing to reap.
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
        umockdev_ioctl_client_complete(client, -1, gone ? ENODEV : EAGAIN);
        return;
    }
    auto* urb = reinterpret_cast<usbdevfs_urb*>(ready->data->data);
    const bool in = ready->isControl ? true : (ready->endpoint & 0x80) != 0;
    UMockdevIoctlData* buffer = resolve(ready->data, offsetof(usbdevfs_urb, buffer),
                                        static_cast<std::size_t>(ready->bufferLength));
    const std::size_t offset = ready->isControl ? kSetupSize : 0;
    if (in && ready->status == 0) {
        const std::size_t room = static_cast<std::size_t>(ready->bufferLength) - offset;
        const std::size_t length = std::min(room, ready->answer.size());
        std::memcpy(buffer->data + offset, ready->answer.data(), length);
        urb->actual_length = static_cast<int>(length);
    } else {
        urb->actual_length =
            ready->status == 0 ? ready->bufferLength - static_cast<int>(offset) : 0;
    }
    urb->status = ready->status;
    umockdev_ioctl_data_unref(buffer);
    UMockdevIoctlData* pointer = resolve(arg, 0, sizeof(void*));
    umockdev_ioctl_data_set_ptr(pointer, 0, ready->data);
    umockdev_ioctl_data_unref(pointer);
    umockdev_ioctl_data_unref(ready->data);
    umockdev_ioctl_client_complete(client, 0, 0);
}

void EmulatedUsbDevice::discard(UMockdevIoctlClient* client, UMockdevIoctlData* arg) {
    // The argument is the program's urb pointer itself.
    gulong address = 0;
    std::memcpy(&address, arg->data, sizeof address);
    std::lock_guard lock(mutex_);
    Client& mine = clients_[client];
    for (auto it = mine.pending.begin(); it != mine.pending.end(); ++it) {
        if (it->data->client_addr == address) {
            it->status = -ENOENT;
            mine.completed.push_back(std::move(*it));
            mine.pending.erase(it);
            umockdev_ioctl_client_complete(client, 0, 0);
            return;
        }
    }
    umockdev_ioctl_client_complete(client, -1, EINVAL);
}

void EmulatedUsbDevice::dropTransfers() {
    for (auto& [client, state] : clients_) {
        for (auto* queue : {&state.pending, &state.completed}) {
            for (auto& urb : *queue) {
                umockdev_ioctl_data_unref(urb.data);
            }
        }
    }
    clients_.clear();
}

bool UsbEmulator::available() {
    return umockdev_in_mock_environment() != FALSE;
}

UsbEmulator::UsbEmulator() : testbed_(umockdev_testbed_new()) {}

UsbEmulator::~UsbEmulator() {
    for (auto& device : devices_) {
        {
            std::lock_guard lock(device->mutex_);
            device->dropTransfers();
        }
        g_object_unref(device->handler_);
    }
    g_object_unref(testbed_);
}

EmulatedUsbDevice& UsbEmulator::add(const std::string& fixture, std::string manufacturer,
                                    std::string product, std::string serial) {
    auto device = std::make_unique<EmulatedUsbDevice>();
    device->file_ = fixture;
    std::ifstream in(fixture);
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("P: ", 0) == 0 && device->sysPath_.empty()) {
            device->sysPath_ = "/sys" + line.substr(3);
        } else if (line.rfind("N: ", 0) == 0 && device->devNode_.empty()) {
            device->devNode_ = "/dev/" + line.substr(3);
        }
    }
    if (device->sysPath_.empty() || device->devNode_.empty()) {
        throw std::runtime_error("no P: or N: line in " + fixture);
    }
    device->strings_ = {
        {1, std::move(manufacturer)}, {2, std::move(product)}, {3, std::move(serial)}};
    device->handler_ = umockdev_ioctl_base_new();
    g_signal_connect(device->handler_, "handle-ioctl", G_CALLBACK(onIoctl), device.get());
    GError* error = nullptr;
    // The ioctl handler first, so that a program woken by the "add" uevent can open it.
    if (!umockdev_testbed_attach_ioctl(testbed_, device->devNode_.c_str(), device->handler_,
                                       &error) ||
        !umockdev_testbed_add_from_file(testbed_, fixture.c_str(), &error)) {
        const std::string why = error != nullptr ? error->message : "unknown error";
        if (error != nullptr) {
            g_error_free(error);
        }
        throw std::runtime_error("umockdev cannot add " + fixture + ": " + why);
    }
    devices_.push_back(std::move(device));
    return *devices_.back();
}

void UsbEmulator::unplug(EmulatedUsbDevice& device) {
    {
        std::lock_guard lock(device.mutex_);
        device.unplugged_ = true;
        device.input_.clear();  // what the device had not sent yet is lost with it
    }
    umockdev_testbed_uevent(testbed_, device.sysPath_.c_str(), "remove");
    umockdev_testbed_remove_device(testbed_, device.sysPath_.c_str());
}

void UsbEmulator::replug(EmulatedUsbDevice& device) {
    {
        std::lock_guard lock(device.mutex_);
        device.unplugged_ = false;
        device.dropTransfers();
        device.claimed_.clear();
        device.detached_.clear();
    }
    GError* error = nullptr;
    if (!umockdev_testbed_add_from_file(testbed_, device.file_.c_str(), &error)) {
        const std::string why = error != nullptr ? error->message : "unknown error";
        if (error != nullptr) {
            g_error_free(error);
        }
        throw std::runtime_error("umockdev cannot add " + device.file_ + " again: " + why);
    }
}

}  // namespace usbtest
