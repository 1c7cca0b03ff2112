export * from './message-contract';
export * from './inventory.messages';
export * from './payment.messages';
export * from './order.messages';
export * from './saga.messages';
export * from './notification.messages';
