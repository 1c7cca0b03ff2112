import { Body, Controller, Get, Param, Put } from '@nestjs/common';
import { AdminEndpoint, ZodValidationPipe } from '@platform/service-kit';
import { type ProductDemandView, ProductDemandService } from '../demand/product-demand.service';
import { PutProductRequest, skuParam } from './product.request';
import { type ProductView, ProductsService } from './products.service';

@Controller('products')
export class ProductsHttpController {
  constructor(
    private readonly products: ProductsService,
    private readonly productDemand: ProductDemandService,
  ) {}

  @Put(':sku')
  @AdminEndpoint()
  put(
    @Param('sku', new ZodValidationPipe(skuParam, 'sku')) sku: string,
    @Body(new ZodValidationPipe(PutProductRequest)) body: PutProductRequest,
  ): Promise<ProductView> {
    return this.products.put(sku, body);
  }

  @Get(':sku')
  get(@Param('sku', new ZodValidationPipe(skuParam, 'sku')) sku: string): Promise<ProductView> {
    return this.products.get(sku);
  }

  /** Orders placed and units requested for the product (zero when nobody asked), from the order.placed fanout. */
  @Get(':sku/demand')
  demand(@Param('sku', new ZodValidationPipe(skuParam, 'sku')) sku: string): Promise<ProductDemandView> {
    return this.productDemand.of(sku);
  }
}
